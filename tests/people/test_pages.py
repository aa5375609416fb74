import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.people.models import Household, Person, User
from tests.conftest import PASSWORD


def test_sign_up_verify_email_and_land_with_a_household(client, territory,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {
            "full_name": "Fatou Diop", "email": "fatou@example.org", "password1": PASSWORD,
            "password2": PASSWORD, "language": "fr"})
    assert response.status_code == 302
    person = Person.objects.get(user__email="fatou@example.org")
    assert (person.full_name, person.language) == ("Fatou Diop", "fr")
    assert person.households.get().memberships.get().is_guardian
    path = re.search(r"/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    assert client.post(path).status_code == 302
    assert client.get("/me/household/").status_code == 200


def test_signup_with_bad_input_names_the_fields_and_writes_nothing(client, territory):
    response = client.post("/accounts/signup/", {"full_name": "", "email": "not-an-email",
                                                 "password1": "x", "password2": "y",
                                                 "language": "xx"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"full_name", "email", "language"}
    assert User.objects.count() == 0


def test_login_attempts_are_rate_limited(client, resident):
    pages = [client.post("/accounts/login/", {"login": "resident@example.org",
                                              "password": "wrong"}).content.decode()
             for _ in range(6)]
    too_many = "Too many failed login attempts"
    assert [too_many in page for page in pages] == [False] * 5 + [True]
    right = client.post("/accounts/login/", {"login": "resident@example.org",
                                             "password": PASSWORD})
    assert right.status_code == 200  # still refused while the limit holds
    assert too_many in right.content.decode()


def test_add_child_form_shows_the_field_error_and_writes_nothing(client, resident,
                                                                 make_household):
    household = make_household(resident.person)
    client.force_login(resident)
    response = client.post(f"/me/household/{household.pk}/add-child/",
                           {"full_name": "Léo", "birth_date": "2099-01-01", "language": "fr"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"birth_date": [
        "The date of birth cannot be in the future or more than 120 years ago."]}
    assert household.memberships.count() == 1


@pytest.mark.parametrize("payload,status", [
    ({}, 200), ({"full_name": "x" * 5000, "birth_date": "not a date", "language": "fr"}, 200),
    # A control character is refused before any view runs (core.middleware.InputGuardMiddleware).
    ({"full_name": "\x00", "birth_date": "2018-13-45", "language": "zz"}, 422),
])
def test_malformed_posts_never_give_a_500(client, resident, make_household, payload, status):
    household = make_household(resident.person)
    client.force_login(resident)
    pages = [f"/me/household/{household.pk}/{p}/" for p in ("add-child", "invite", "address")]
    for path in (*pages, "/me/profile/", "/me/delete/"):
        assert client.post(path, payload).status_code == status
    assert household.memberships.count() == 1


def test_choosing_a_language_is_remembered_on_the_person(client, resident):
    client.force_login(resident)
    client.post("/language/", {"language": "ar", "next": "/"})
    resident.person.refresh_from_db()
    assert resident.person.language == "ar"
    page = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_language_picker_names_each_language_in_itself(client, territory):
    page = client.get("/").content.decode()
    for name in ("Français", "English", "Українська", "العربية", "فارسی", "ትግርኛ", "Soomaali",
                 "தமிழ்", "Shqip", "Türkçe"):
        assert name in page


def test_french_pages_are_translated(client, territory):
    client.post("/language/", {"language": "fr", "next": "/"})
    assert "Un compte, une carte, tous les services publics" in client.get("/").content.decode()


def test_tigrinya_is_chosen_and_read(client, territory):
    client.post("/language/", {"language": "ti", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="ti" dir="ltr">' in page
    assert "Civicard — ሓደ ኣካውንት፣ ሓደ ካርድ፣ ኩሉ ህዝባዊ ኣገልግሎት።" in page
    assert "One account, one card, every public service" not in page


def test_staff_must_set_up_totp_before_anything_else(client, make_login, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = True
    agent = make_login("agent2@example.org", role=Role.COUNTER_AGENT)
    client.force_login(agent)
    response = client.get("/counter/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get("/counter/").status_code == 200


def test_residents_are_not_asked_for_totp(client, resident, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = True
    client.force_login(resident)
    assert client.get("/me/household/").status_code == 200


def test_agent_creates_household_at_the_counter(client, agent, neighbourhood, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client.force_login(agent)
    response = client.post("/counter/households/new/", {
        "full_name": "Odette Texier", "birth_date": "1941-02-03", "language": "fr", "phone": "",
        "email": "", "street": "3 rue des Écoles", "postal_code": "79000",
        "neighbourhood": neighbourhood.pk})
    household = Household.objects.get()
    assert response["Location"] == f"/counter/households/{household.pk}/"
    assert client.get(response["Location"]).status_code == 200


def test_counter_form_with_bad_postal_code_writes_nothing(client, agent, neighbourhood, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client.force_login(agent)
    response = client.post("/counter/households/new/", {
        "full_name": "Odette", "language": "fr", "street": "3 rue", "postal_code": "ABC",
        "neighbourhood": neighbourhood.pk})
    assert response.context["form"].errors == {"postal_code": ["Enter a 5-digit postal code."]}
    assert Household.objects.count() == 0


def test_assisted_session_acts_for_the_resident_and_is_audited(client, agent, resident,
                                                               make_household, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    household = make_household(resident.person)
    client.force_login(agent)
    client.post(f"/counter/assist/{resident.person.pk}/")
    page = client.get("/me/household/").content.decode()
    assert "You are helping Rosa" in page
    client.post(f"/me/household/{household.pk}/add-child/",
                {"full_name": "Léo Parkinson", "birth_date": "2018-04-01", "language": "fr"})
    entry = AuditLogEntry.objects.get(action="household.member_added")
    assert (entry.actor, entry.acting_for_id) == (agent, resident.person.pk)
    client.post("/counter/assist/stop/")
    assert "You are helping" not in client.get("/").content.decode()


def test_income_bracket_shown_at_the_counter_only_on_request_and_audited(
        client, agent, resident, make_household, settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    household = make_household(resident.person)
    client.force_login(agent)
    client.get(f"/counter/households/{household.pk}/")
    assert not AuditLogEntry.objects.filter(action="household.income_bracket_read").exists()
    client.get(f"/counter/households/{household.pk}/?show=income_bracket")
    assert AuditLogEntry.objects.filter(action="household.income_bracket_read",
                                        actor=agent).count() == 1


def test_export_downloads_json(client, resident):
    client.force_login(resident)
    response = client.get("/me/export.json")
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["person"]["full_name"] == "Rosa Parkinson"


def test_delete_account_erases_and_logs_out(client, resident):
    client.force_login(resident)
    assert client.post("/me/delete/", {}).status_code == 200  # confirmation required
    response = client.post("/me/delete/", {"confirm": "on"})
    assert response["Location"] == "/"
    resident.refresh_from_db()
    assert not resident.is_active
    assert client.get("/me/household/").status_code == 302


def test_visitor_without_preference_gets_the_territory_language(client, territory, settings):
    settings.CIVICARD_DEFAULT_LANGUAGE = "fr"
    page = client.get("/").content.decode()
    assert '<html lang="fr" dir="ltr">' in page
    assert "Un compte, une carte, tous les services publics" in page
    english = client.get("/", headers={"accept-language": "en"}).content.decode()
    assert "One account, one card, every public service" in english


def test_arabic_pages_are_translated_right_to_left(client, territory, settings):
    settings.CIVICARD_DEFAULT_LANGUAGE = "fr"
    client.post("/language/", {"language": "ar", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "<h1>حساب واحد، بطاقة واحدة، لكل الخدمات العامة</h1>" in page
    assert "One account" not in page


def test_persian_is_read_right_to_left_not_in_the_territorys_french(client, territory,
                                                                      settings):
    settings.CIVICARD_DEFAULT_LANGUAGE = "fr"
    client.post("/language/", {"language": "fa", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="fa" dir="rtl">' in page
    assert "Civicard — یک حساب، یک کارت، برای همهٔ خدمات عمومی." in page
    assert "Un compte" not in page


@pytest.mark.parametrize("role,tile", [
    (Role.SOCIAL_WORKER, "/help/ccas/"), (Role.MEDIATOR, "/inclusion/mediator/"),
    (Role.MODERATOR, "/moderation/"), (Role.SERVICE_MANAGER, "/manage/services/"),
    (Role.ASSOCIATION_EDITOR, "/help/associations/"),
])
def test_home_shows_each_staff_role_its_own_desk_only(client, make_login, settings, role, tile):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False
    client.force_login(make_login(f"{role}@example.org", role=role))
    page = client.get("/").content.decode()
    desks = {"/help/ccas/", "/inclusion/mediator/", "/moderation/", "/manage/services/",
             "/help/associations/"}
    assert {d for d in desks if f'class="tile tile-staff" href="{d}"' in page} == {tile}


@pytest.mark.parametrize(("language", "banner"), [
    ("fr", "Connexion réussie : uk@example.org."),
    ("uk", "Ви увійшли як uk@example.org."),
])
def test_the_message_after_logging_in_is_in_the_residents_language(client, make_login, language,
                                                                   banner):
    make_login("uk@example.org", language=language)
    response = client.post("/accounts/login/", {"login": "uk@example.org", "password": PASSWORD},
                           headers={"accept-language": "en"}, follow=True)
    assert [str(message) for message in response.context["messages"]] == [banner]
    assert response.context["LANGUAGE_CODE"] == language


@pytest.mark.parametrize(("language", "sign_in", "forgot"), [
    ("sq", "Hyni", "Keni harruar fjalëkalimin?"),
    ("ti", "እተዉ", "ቃል ምስጢርኩም ረሲዕኩም?"),
    ("so", "Gal", "Ma illowday furahaaga sirta ah?"),
    ("ta", "உள்நுழை", "கடவுச்சொல்லை மறந்துவிட்டீர்களா?"),
])
def test_the_login_page_is_read_in_languages_allauth_has_no_words_for(client, territory, language,
                                                                     sign_in, forgot):
    client.post("/language/", {"language": language, "next": "/"})
    page = client.get("/accounts/login/").content.decode()
    assert f'<html lang="{language}"' in page
    assert sign_in in page and forgot in page
    assert "Sign In" not in page and "Forgot your password?" not in page
