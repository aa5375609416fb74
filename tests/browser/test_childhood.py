"""A guardian books a week on a phone, staff take the roll-call offline then online, a manager
closes last month and the canteen charges the wallet (it serves and goes negative)."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from civicard.childhood import operations
from civicard.childhood.models import Activity, Reservation, State, Unit, UnitDay, UnitPrice
from civicard.core.permissions import Role
from civicard.people.models import Household, Membership, Person
from civicard.wallets.models import Account, PaymentMode, Service, ShortageRule
from tests.conftest import PASSWORD


def _canteen(territory, today: date):
    service = Service.objects.create(territory=territory, slug="canteen", name="Canteen",
                                     payment_mode=PaymentMode.PREPAID_WALLET,
                                     shortage_rule=ShortageRule.SERVE_AND_GO_NEGATIVE)
    activity = Activity.objects.create(
        territory=territory, service=service, name="School canteen", kind="canteen",
        season_starts_on=today - timedelta(days=90), season_ends_on=today + timedelta(days=90))
    unit = Unit.objects.create(activity=activity, name="Lunch", capacity=30)
    UnitPrice.objects.create(unit=unit, amount_cents=325, valid_from=today - timedelta(days=90))
    return activity, unit


def test_book_roll_call_offline_and_close_the_month(visitor, settings, territory, make_login):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    today = timezone.localdate()
    activity, unit = _canteen(territory, today)
    next_monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    UnitDay.objects.bulk_create(
        [UnitDay(unit=unit, day=next_monday + timedelta(days=n), capacity=30) for n in range(5)]
        + [UnitDay(unit=unit, day=today, capacity=30),
           UnitDay(unit=unit, day=last_month + timedelta(days=9), capacity=30),
           UnitDay(unit=unit, day=last_month + timedelta(days=10), capacity=30)])
    amina = make_login("amina@example.org", full_name="Amina Benali")
    household = Household.objects.create(territory=territory)
    Membership.objects.create(household=household, person=amina.person, is_guardian=True)
    yanis = Person.objects.create(full_name="Yanis Benali", birth_date=date(2016, 5, 1))
    Membership.objects.create(household=household, person=yanis)
    long_ago = timezone.make_aware(datetime.combine(last_month, time(8)))
    operations.enrol_child(activity=activity, child=yanis, actor=amina, at=long_ago,
                           allergies="Peanuts")
    for unit_day in UnitDay.objects.filter(day__lt=today.replace(day=1)):
        operations.reserve(child=yanis, unit=unit, day=unit_day.day, actor=amina, at=long_ago)
        operations.mark(unit_day=unit_day, child=yanis, mark="present",
                        at=timezone.make_aware(datetime.combine(unit_day.day, time(12))))

    # A guardian books two days of next week on a phone.
    visitor.log_in(amina.email, PASSWORD)
    page = visitor.go("/")
    page.click("text=My children's activities")
    visitor.check()
    visitor.screenshot("childhood-family")
    page.click("text=Book the days")
    visitor.check()
    page = visitor.go(f"/childhood/child/{yanis.pk}/?week={next_monday}")
    for _ in range(2):
        page.locator("button[value=book]").first.click()
        visitor.check()
    assert "Saved: Lunch on " in page.content()
    visitor.screenshot("childhood-week")
    assert sorted(Reservation.objects.filter(state=State.RESERVED).values_list(
        "unit_day__day", flat=True)) == [next_monday, next_monday + timedelta(days=1)]

    # Staff take today's roll-call: offline first, the mark waits, then is sent.
    staff = make_login("staff@example.org", role=Role.COUNTER_AGENT, full_name="Sam Staff")
    visitor.page.context.clear_cookies()
    visitor.log_in(staff.email, PASSWORD)
    page = visitor.go(f"/childhood/staff/?day={today}")
    page.click("main a:has-text('Roll-call')")
    visitor.check()
    assert "Allergies: Peanuts" in page.content()
    visitor.page.context.set_offline(True)
    page.click(f"#child-{yanis.pk} button[value=present]")
    page.locator("#roll-call-status", has_text="Marks waiting to be sent: 1").wait_for()
    visitor.screenshot("childhood-roll-call-offline")
    assert not Reservation.objects.filter(unit_day__day=today).exists()
    visitor.page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator("#roll-call-status:empty").wait_for(state="attached")
    assert Reservation.objects.get(unit_day__day=today).state == State.UNEXPECTED
    page.reload()
    visitor.check()
    assert "present without booking" in page.content()
    visitor.screenshot("childhood-roll-call")
    # A mark the server refuses says why in words, next to the child.
    visitor.page.context.set_offline(True)
    page.click(f"#child-{yanis.pk} button[value=absent]")
    UnitDay.objects.filter(day=today).update(closed_at=timezone.now())
    visitor.page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator("#roll-call-status:empty").wait_for(state="attached")
    assert page.locator(f"#child-{yanis.pk} [data-state]").inner_text() == (
        "⚠ This day is closed and billed: it can no longer be changed.")
    assert Reservation.objects.get(unit_day__day=today).state == State.UNEXPECTED
    visitor.screenshot("childhood-roll-call-refused")

    # A manager closes last month: two lunches at 3.25 charged to the canteen wallet.
    manager = make_login("boss@example.org", role=Role.SERVICE_MANAGER, full_name="Marc Boss")
    visitor.page.context.clear_cookies()
    visitor.log_in(manager.email, PASSWORD)
    page = visitor.go(f"/childhood/staff/activity/{activity.pk}/?month={last_month:%Y-%m}")
    page.click("text=Close and bill this month")
    visitor.check()
    assert "The month is closed and billed." in page.content()
    visitor.screenshot("childhood-closed-month")
    assert Account.objects.get(household=household).balance_cents == -650

    page = visitor.go("/childhood/nursery-rate/?monthly_resources=3000&children=1")
    assert "1.86" in page.content()
    visitor.screenshot("childhood-nursery-rate")
