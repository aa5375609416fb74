"""The foundation's journeys in a real browser, at phone width, with axe-core on every page."""

import re
import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core import mail

from civicard.core.permissions import Role
from civicard.people.models import Household, Person
from tests.conftest import PASSWORD


def test_resident_signs_up_verifies_adds_a_child_and_reads_arabic(visitor, territory):
    page = visitor.go("/")
    visitor.screenshot("home")
    page.get_by_role("link", name="Create my account").click()
    visitor.check()
    page.get_by_label("Your full name").fill("Fatou Diop")
    page.get_by_label("Email").fill("fatou@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_label("Your language").select_option("en")
    page.get_by_role("button", name="Sign Up").click()
    visitor.check()

    path = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    visitor.go(path)
    page.get_by_role("button", name="Confirm").click()
    visitor.check()

    visitor.go("/me/household/")
    page.get_by_role("link", name="Add a child").click()
    visitor.check()
    page.get_by_label("Full name").fill("Awa Diop")
    page.get_by_label("Date of birth").fill("2019-05-23")
    page.get_by_role("button", name="Add to my household").click()
    visitor.check()
    assert page.get_by_text("Awa was added to your household.").is_visible()
    assert page.locator(".members li").count() == 2
    visitor.screenshot("household-phone")

    page.locator("#language-select").select_option("ar")
    page.get_by_role("button", name="Change").click()
    visitor.check()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert Person.objects.get(full_name="Fatou Diop").language == "ar"
    visitor.screenshot("household-arabic")


def current_totp(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_agent_logs_in_with_totp_and_creates_a_household_without_email(
        visitor, make_login, neighbourhood):
    agent = make_login("agent@example.org", role=Role.COUNTER_AGENT, full_name="Sophie Lambert")
    secret = generate_totp_secret()
    TOTP.activate(agent, secret)

    visitor.log_in("agent@example.org", PASSWORD)
    page = visitor.page
    page.fill("input[name=code]", current_totp(secret))
    page.locator("main form button[type=submit]").first.click()
    visitor.check()

    visitor.go("/counter/")
    page.get_by_role("link", name="Create a household").click()
    visitor.check()
    page.get_by_label("Full name").fill("Odette Texier")
    page.get_by_label("Date of birth").fill("1941-02-03")
    page.locator("#id_language").select_option("fr")
    page.get_by_label("Street and number").fill("3 rue des Écoles")
    page.get_by_label("Postal code").fill("79000")
    page.get_by_label("Neighbourhood").select_option(str(neighbourhood.pk))
    page.get_by_role("button", name="Create the household").click()
    visitor.check()
    assert page.get_by_text("The household was created.").is_visible()
    household = Household.objects.get()
    odette = household.memberships.get().person
    assert (odette.full_name, odette.email, odette.phone, odette.user) == (
        "Odette Texier", "", "", None)
    visitor.screenshot("counter-household")
