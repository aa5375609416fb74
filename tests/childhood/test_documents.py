"""Documents attached to an enrolment: only a PDF or an image by its content, at most 10 MB,
read by the guardians and the activity's staff only (each staff read audited), erased at the
end of the retention period; and the pages of nursery contracts."""

from datetime import date, time, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from civicard.childhood import operations
from civicard.childhood.models import Absence, Document, NurseryContract, Period
from civicard.core import clock
from civicard.core.errors import DomainError
from civicard.core.models import AuditLogEntry
from civicard.core.permissions import Role
from civicard.territory.models import Commune

from .conftest import AT
from .test_contracts import terms

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
MAX = 10 * 1024 * 1024


@pytest.fixture(autouse=True)
def _staff_without_mfa(settings):
    settings.CIVICARD_REQUIRE_STAFF_MFA = False


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(content, name="vaccins.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def enrolment(family, make_activity):
    activity = make_activity("Les Petits Pas", kind="nursery", units=("Hour",))
    activity.commune = Commune.objects.get(name="Nordville")
    activity.save()
    amina, _household, _yanis, lina = family
    return operations.enrol_child(activity=activity, child=lina, actor=amina, at=AT)


def code_of(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


@pytest.mark.parametrize("head, content_type", [
    (PDF, "application/pdf"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
])
def test_a_pdf_or_an_image_is_kept_under_a_name_of_its_own(enrolment, family, head,
                                                           content_type, settings):
    document = operations.upload_document(enrolment=enrolment, kind="vaccination",
                                          upload=upload(head + b"rest", "../../x.exe"),
                                          actor=family[0], at=AT)
    assert (document.content_type, document.size) == (content_type, len(head) + 4)
    [path] = stored_files(settings)
    assert path.read_bytes() == head + b"rest" and "x.exe" not in path.name
    assert document.erase_after == date(2027, 7, 3)  # a year after the season's end


@pytest.mark.parametrize("content, name, code", [
    (b"hello, I am text", "carnet.pdf", "document_type"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photo.png", "document_type"),
    (b"", "empty.pdf", "document_type"),
    (PDF + b"\0" * (MAX + 1 - len(PDF)), "big.pdf", "document_too_large"),
])
def test_anything_else_is_refused_and_nothing_is_written(enrolment, family, content, name, code,
                                                         settings):
    assert code_of(lambda: operations.upload_document(
        enrolment=enrolment, kind="insurance", upload=upload(content, name), actor=family[0],
        at=AT)) == code
    assert Document.objects.count() == 0 and stored_files(settings) == []


def test_ten_megabytes_exactly_are_accepted(enrolment, family):
    document = operations.upload_document(
        enrolment=enrolment, kind="insurance", upload=upload(PDF + b"\0" * (MAX - len(PDF))),
        actor=family[0], at=AT)
    assert document.size == MAX


def test_a_stranger_cannot_attach_a_document(enrolment, make_login, settings):
    stranger = make_login("stranger@example.org")
    assert code_of(lambda: operations.upload_document(
        enrolment=enrolment, kind="insurance", upload=upload(PDF), actor=stranger,
        at=AT)) == "not_a_child_of_the_household"
    assert stored_files(settings) == []


@pytest.fixture
def document(enrolment, family):
    return operations.upload_document(enrolment=enrolment, kind="vaccination",
                                      upload=upload(PDF + b"content"), actor=family[0], at=AT)


def readers(make_login, family):
    north, south = Commune.objects.get(name="Nordville"), Commune.objects.get(name="Sudville")
    return {
        "guardian": (family[0], 200, False),
        "other resident": (make_login("other@example.org"), 404, False),
        "agent of the commune": (make_login("north@example.org", role=Role.COUNTER_AGENT,
                                            commune=north), 200, True),
        "manager territory-wide": (make_login("boss@example.org",
                                              role=Role.SERVICE_MANAGER), 200, True),
        "agent of another commune": (make_login("south@example.org", role=Role.COUNTER_AGENT,
                                                commune=south), 404, False),
        "mediator": (make_login("mediator@example.org", role=Role.MEDIATOR), 404, False),
    }


def test_who_may_open_a_document_and_every_staff_read_is_audited(client, document, make_login,
                                                                 family):
    url = f"/childhood/document/{document.pk}/"
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    for who, (user, status, audited) in readers(make_login, family).items():
        client.force_login(user)
        before = AuditLogEntry.objects.filter(action="childhood.document_read").count()
        answer = client.get(url)
        assert answer.status_code == status, who
        if status == 200:
            assert b"".join(answer.streaming_content) == PDF + b"content"
            assert answer["Content-Type"] == "application/pdf"
            assert answer["Cache-Control"] == "private, no-store"
        reads = AuditLogEntry.objects.filter(action="childhood.document_read")
        assert reads.count() == before + audited, who
        if audited:
            assert reads.latest("pk").actor == user and reads.latest("pk").object_id == str(
                document.pk)


def test_the_media_folder_is_not_served(client, document, family):
    client.force_login(family[0])
    assert client.get(f"/media/{document.file.name}").status_code == 404


def test_documents_are_erased_after_their_retention(client, document, family, settings):
    with clock.frozen(AT.replace(year=2027, month=7, day=2)):  # the last day kept
        call_command("erase_childhood_documents")
    assert len(stored_files(settings)) == 1
    with clock.frozen(AT.replace(year=2027, month=7, day=4)):
        call_command("erase_childhood_documents")
    document.refresh_from_db()
    assert document.erased_at is not None and document.file.name == ""
    assert stored_files(settings) == []
    client.force_login(family[0])
    answer = client.get(f"/childhood/document/{document.pk}/")
    assert answer.status_code == 410 and b"document_erased" in answer.content


def test_a_guardian_uploads_from_the_enrolment_page_and_sees_a_clear_refusal(client, enrolment,
                                                                            family):
    client.force_login(family[0])
    url = f"/childhood/enrolment/{enrolment.pk}/"
    page = client.post(url, {"form": "document", "kind": "vaccination",
                             "file": upload(b"GIF89a not accepted", "photo.gif")})
    assert page.status_code == 200
    assert "Send a PDF file or a photo (JPEG, PNG or WebP)." in page.content.decode()
    assert Document.objects.count() == 0
    client.post(url, {"form": "document", "kind": "vaccination", "file": upload(PDF)})
    assert Document.objects.get().kind == "vaccination"
    answer = client.post(url, {"form": "absence", "reason": "illness",
                               "starts_on": "2026-02-09", "ends_on": "2026-02-10",
                               "file": upload(PDF, "certificat.pdf")})
    assert answer.status_code == 302
    absence = Absence.objects.get()
    assert (absence.status, absence.document.kind) == ("pending", "medical")
    assert client.get(url).status_code == 200


def test_staff_accept_an_absence_from_the_enrolment_page(client, enrolment, make_login, family):
    absence = operations.declare_absence(
        enrolment=enrolment, reason="illness", starts_on=date(2026, 2, 9),
        ends_on=date(2026, 2, 10), upload=upload(PDF), actor=family[0], at=AT)
    client.force_login(family[0])
    assert client.post(f"/childhood/staff/absence/{absence.pk}/decide/",
                       {"decision": "accept"}).status_code == 403
    south = make_login("south@example.org", role=Role.COUNTER_AGENT,
                       commune=Commune.objects.get(name="Sudville"))
    client.force_login(south)
    assert client.post(f"/childhood/staff/absence/{absence.pk}/decide/",
                       {"decision": "accept"}).status_code == 404
    absence.refresh_from_db()
    assert absence.status == "pending"
    north = make_login("north@example.org", role=Role.COUNTER_AGENT,
                       commune=Commune.objects.get(name="Nordville"))
    client.force_login(north)
    assert client.get(f"/childhood/staff/enrolment/{enrolment.pk}/").status_code == 200
    client.post(f"/childhood/staff/absence/{absence.pk}/decide/", {"decision": "accept"})
    absence.refresh_from_db()
    assert (absence.status, absence.decided_by) == ("accepted", north)


def contract_post(**changes):
    data = {"starts_on": "2026-01-05", "ends_on": "2026-07-03", "closure_weeks": "1",
            "holiday_weeks": "0", "monthly_resources": "3000.00", "dependent_children": "1",
            **{f"from_{n}": "08:30" for n in range(5)}, **{f"to_{n}": "17:30" for n in range(5)}}
    return {**data, **changes}


def test_a_manager_of_the_commune_creates_a_contract_the_family_sees_it(
        client, enrolment, make_login, family):
    url = f"/childhood/staff/enrolment/{enrolment.pk}/contract/"
    north = Commune.objects.get(name="Nordville")
    client.force_login(make_login("agent@example.org", role=Role.COUNTER_AGENT, commune=north))
    assert client.post(url, contract_post()).status_code == 403
    client.force_login(make_login("south@example.org", role=Role.SERVICE_MANAGER,
                                  commune=Commune.objects.get(name="Sudville")))
    assert client.post(url, contract_post()).status_code == 404
    assert NurseryContract.objects.count() == 0
    client.force_login(make_login("north@example.org", role=Role.SERVICE_MANAGER,
                                  commune=north))
    page = client.post(url, contract_post(to_2="07:00"))
    assert "Give both times, the end after the start." in page.content.decode()
    with clock.frozen(AT):
        assert client.post(url, contract_post()).status_code == 302
    contract = NurseryContract.objects.get()
    assert [(d.weekday, d.starts_at) for d in contract.days.all()] == [
        (n, time(8, 30)) for n in range(5)]
    # 5 January to 3 July 2026: 180 days, 25 whole weeks, less 1 → 24 weeks over 7 months;
    # 1.86 €/h: 45 h × 24 ÷ 7 = 154.2857 h × 1.86 € = 286.97 €.
    assert (contract.weeks_of_care, contract.months) == (24, 7)
    client.force_login(family[0])
    with clock.frozen(AT):
        page = client.get("/childhood/").content.decode()
        detail = client.get(f"/childhood/enrolment/{enrolment.pk}/").content.decode()
    assert "Contract: 286.97\xa0€ for February 2026 so far." in page
    assert "Monday: 08:30–17:30" in detail and "45 h" in detail and "1.86\xa0€" in detail


def test_the_change_page_starts_new_terms_from_a_date(client, enrolment, make_login):
    manager = make_login("north@example.org", role=Role.SERVICE_MANAGER,
                         commune=Commune.objects.get(name="Nordville"))
    contract = operations.create_contract(
        enrolment=enrolment, terms=terms(starts_on=date(2026, 1, 5), ends_on=date(2026, 7, 3)),
        actor=manager, at=AT)
    client.force_login(manager)
    url = f"/childhood/staff/contract/{contract.pk}/change/"
    page = client.get(url).content.decode()
    assert 'value="08:30"' in page and 'value="2026-01-05"' in page  # nothing closed yet
    # January closed: the form offers 1 February, the first day a change may start
    Period.objects.create(activity=enrolment.activity, month=date(2026, 1, 1), closed_at=AT,
                          closed_by=manager)
    page = client.get(url).content.decode()
    assert 'name="starts_on" value="2026-02-01"' in page
    Period.objects.all().delete()
    client.post(url, contract_post(starts_on="2026-03-02", from_4="", to_4=""))
    old, new = NurseryContract.objects.order_by("pk")
    assert old.ends_on == date(2026, 3, 1) and new.starts_on == date(2026, 3, 2)
    assert new.days.count() == 4 and old.days.count() == 5
    assert old.lines.count() == 0 and new.ends_on - timedelta(days=1) == date(2026, 7, 2)
