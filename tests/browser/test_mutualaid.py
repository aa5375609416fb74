"""Journeys of the neighbourhood network at phone width, axe-core checking every page."""

from datetime import timedelta

import pytest

from civicard.core import clock
from civicard.core.permissions import Role
from civicard.moderation import operations as moderation
from civicard.moderation.models import Appeal, Decision
from civicard.mutualaid import operations
from civicard.mutualaid.models import (
    Category,
    Conversation,
    PaperSlip,
    Post,
    VulnerabilityReport,
)
from civicard.territory.models import Neighbourhood
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _no_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def residents(make_login, make_household, territory):
    operations.ensure_default_categories()  # a transactional test flushed the migration's
    centre = Neighbourhood.objects.get(name="Centre")
    made = {}
    for name in ("rosa", "paul", "lea"):
        user = make_login(f"{name}@example.org", full_name=f"{name.title()} Example")
        make_household(user.person, neighbourhood=centre)
        made[name] = user
    operations.declare_helpful(person=made["paul"].person, neighbourhood=centre,
                               skills=[Category.objects.get(code="shopping")],
                               what="Shopping and errands", when="Evenings",
                               actor=made["paul"], at=clock.now())
    return made


def switch(visitor, email):
    visitor.page.context.clear_cookies()
    visitor.log_in(email, PASSWORD)


def submit(page, text):
    page.locator("main button[type=submit]", has_text=text).first.click()


def test_request_answered_privately_then_closed(visitor, residents):
    visitor.log_in("rosa@example.org", PASSWORD)
    page = visitor.go("/help/")
    visitor.screenshot("mutualaid-feed")
    page = visitor.go("/help/new/")
    page.check("input[name=kind][value=request]")
    page.select_option("select[name=category]", label="Shopping and errands")
    page.fill("input[name=title]", "Carry my shopping on Saturday")
    page.fill("textarea[name=description]", "Call me on 06 12 34 56 78")
    submit(page, "Publish")
    visitor.check()
    assert "do not write a phone number" in page.locator(".error").first.inner_text()
    visitor.screenshot("mutualaid-contact-details-refused")
    page.fill("textarea[name=description]", "I cannot carry heavy bags any more.")
    submit(page, "Publish")
    visitor.check()
    assert page.locator("h1").inner_text() == "Carry my shopping on Saturday"
    post = Post.objects.get(title="Carry my shopping on Saturday")

    switch(visitor, "paul@example.org")
    page = visitor.go(f"/help/posts/{post.pk}/")
    visitor.screenshot("mutualaid-post")
    page.fill("textarea[name=body]", "I can help on Saturday. My number: 06 98 76 54 32")
    submit(page, "I can help")
    visitor.check()
    assert "06 98 76 54 32" in page.locator(".aid-chat").inner_text()
    visitor.screenshot("mutualaid-conversation")

    switch(visitor, "rosa@example.org")
    page = visitor.go("/help/mine/")
    page.get_by_role("link", name="Carry my shopping on Saturday").first.click()
    visitor.check()
    assert "Helpful neighbour" not in page.locator("main h1").inner_text()
    page = visitor.go(f"/help/posts/{post.pk}/")
    submit(page, "Done, thank you")
    visitor.check()
    post.refresh_from_db()
    assert post.status == Post.Status.CLOSED
    assert Conversation.objects.get().starter == residents["paul"].person


def test_worry_reported_and_handled_by_a_social_worker(visitor, residents, make_login):
    make_login("social@example.org", role=Role.SOCIAL_WORKER, full_name="Nadia Social")
    visitor.log_in("lea@example.org", PASSWORD)
    page = visitor.go("/help/worried-about-someone/")
    assert "3977" in page.locator(".aid-emergency").inner_text()
    visitor.screenshot("mutualaid-report-person")
    page.fill("input[name=who]", "The old man on the 3rd floor")
    page.fill("input[name=where]", "Building C, Centre")
    page.fill("textarea[name=why]", "His shutters have been closed for a week.")
    submit(page, "Send to the social services")
    visitor.check()
    assert "Thank you" in page.locator("h1").inner_text()
    report = VulnerabilityReport.objects.get()

    switch(visitor, "social@example.org")
    page = visitor.go("/help/ccas/")
    visitor.screenshot("mutualaid-ccas-desk")
    page.get_by_role("link", name=f"Report no. {report.pk}", exact=False).click()
    visitor.check()
    assert "shutters" in page.locator(".aid-report").inner_text()
    page.check("input[name=outcome][value=help_accepted]")
    page.fill("textarea[name=note]", "Visited, meals on wheels arranged.")
    visitor.screenshot("mutualaid-ccas-report")
    submit(page, "Save the outcome")
    visitor.check()
    report.refresh_from_db()
    assert report.outcome == "help_accepted"


def test_social_worker_types_a_paper_slip(visitor, residents, make_login):
    make_login("social@example.org", role=Role.SOCIAL_WORKER, full_name="Nadia Social")
    visitor.log_in("social@example.org", PASSWORD)
    page = visitor.go("/help/ccas/paper-slip/")
    page.fill("input[name=box_location]", "Bakery, place du Marché")
    page.fill("input[name=slip_date]", "2026-03-01")
    page.select_option("select[name=kind]", "request")
    page.select_option("select[name=category]", label="Company and visits")
    page.fill("input[name=title]", "A card game on Sundays")
    page.fill("textarea[name=description]", "A gentleman of 84 would like to play cards.")
    page.select_option("select[name=neighbourhood]", label="Centre — Nordville")
    page.check("input[name=reach_by][value=phone]")
    page.fill("input[name=phone]", "05 49 12 34 56")
    visitor.screenshot("mutualaid-paper-slip")
    submit(page, "Publish the slip")
    visitor.check()
    errors = page.locator(".error, .form-errors").all_inner_texts()
    assert "Relayed by the town" in page.locator("main").inner_text(), errors
    assert "05 49" not in page.locator("main").inner_text()
    assert PaperSlip.objects.get().post.origin == Post.Origin.SLIP


def test_moderator_handles_a_report_and_another_decides_the_appeal(visitor, residents,
                                                                   make_login):
    make_login("moderator@example.org", role=Role.MODERATOR, full_name="Claire Moderator")
    make_login("moderator2@example.org", role=Role.MODERATOR, full_name="Hugo Moderator")
    now = clock.now()
    post = operations.create_post(
        author=residents["rosa"].person, kind="offer", category=Category.objects.get(code="lend"),
        title="Lawnmower to lend", description="Good condition.",
        neighbourhood=Neighbourhood.objects.get(name="Centre"), availability="", language="en",
        actor=residents["rosa"], at=now - timedelta(minutes=5))
    moderation.report_content(kind="post", object_id=post.pk, reporter=residents["lea"].person,
                              reason="spam", note="Looks like an advert", actor=residents["lea"],
                              at=now)

    visitor.log_in("moderator@example.org", PASSWORD)
    page = visitor.go("/moderation/")
    visitor.screenshot("moderation-queue")
    page.locator(f"a[href='/moderation/content/post/{post.pk}/']").click()
    visitor.check()
    page.check("input[name=action][value=hide]")
    page.fill("textarea[name=justification]", "Commercial adverts are not allowed.")
    visitor.screenshot("moderation-item")
    submit(page, "Record the decision")
    visitor.check()
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN

    switch(visitor, "rosa@example.org")
    page = visitor.go("/moderation/my-decisions/")
    page.locator("textarea").fill("It is a free loan between neighbours.")
    visitor.screenshot("moderation-appeal-form")
    submit(page, "Appeal")
    visitor.check()
    appeal = Appeal.objects.get()

    switch(visitor, "moderator2@example.org")
    page = visitor.go(f"/moderation/appeals/{appeal.pk}/")
    page.check("input[name=outcome][value=overturned]")
    page.fill("textarea[name=outcome_note]", "A genuine free loan.")
    submit(page, "Decide")
    visitor.check()
    post.refresh_from_db()
    assert post.status == Post.Status.OPEN
    assert Decision.objects.get().overturned_at is not None


def test_map_associations_and_private_request_pages(visitor, residents, make_login, territory):
    from civicard.mutualaid.models import Association

    association = Association.objects.create(territory=territory, name="Repair Café",
                                             slug="repair-cafe", presentation="We repair.")
    editor = make_login("editor@example.org", role=Role.ASSOCIATION_EDITOR)
    association.editors.add(editor)
    operations.add_event(association=association, title="Repair afternoon", description="",
                         starts_at=clock.now() + timedelta(days=3), place="Town hall",
                         registration="", is_free=True, price="", language="en", actor=editor,
                         at=clock.now())
    request = operations.ask_town(
        person=residents["lea"].person, category=Category.objects.get(code="shopping"),
        body="I cannot carry my shopping.", neighbourhood=Neighbourhood.objects.get(name="Centre"),
        consent_to_publish=True, actor=residents["lea"], at=clock.now())
    visitor.log_in("rosa@example.org", PASSWORD)
    page = visitor.go("/help/map/")
    assert page.locator("table tbody tr").count() == 3
    visitor.screenshot("mutualaid-map")
    visitor.go("/help/ask-the-town/")
    visitor.screenshot("mutualaid-ask-town")
    visitor.go("/help/helpful-neighbour/")
    visitor.go("/help/associations/")
    page = visitor.go("/help/associations/repair-cafe/")
    submit(page, "Follow")
    visitor.check()
    visitor.screenshot("mutualaid-association")
    make_login("social@example.org", role=Role.SOCIAL_WORKER, full_name="Nadia Social")
    switch(visitor, "social@example.org")
    page = visitor.go(f"/help/ccas/requests/{request.pk}/")
    visitor.screenshot("mutualaid-ccas-request")
    page.fill("input[name=title]", "Shopping to carry on Saturdays")
    page.fill("textarea[name=description]", "A neighbour needs help carrying shopping.")
    submit(page, "Publish without the name")
    visitor.check()
    assert "Relayed by the town" in page.locator("main").inner_text()
    visitor.go("/help/ccas/helpful-neighbours/?category=shopping")
    switch(visitor, "editor@example.org")
    visitor.go("/help/associations/repair-cafe/news/")
    visitor.go("/help/associations/repair-cafe/event/")
