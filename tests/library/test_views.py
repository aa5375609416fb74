import csv
import io
from datetime import date

import pymarc
import pytest
from django.urls import reverse

from civicard.core.permissions import Role
from civicard.library.models import Copy, CopyState, Loan, Title
from tests.conftest import PASSWORD

from .conftest import AT, CHIP, add_title

pytestmark = pytest.mark.django_db


def test_search_shows_availability_without_logging_in(client, library, centre):
    add_title(library, "Les Misérables", author="Victor Hugo", copies=[("B1", centre)])
    add_title(library, "Notre-Dame", author="Victor Hugo")
    response = client.get(reverse("library:search"), {"q": "miserables HUGO"})
    assert response.status_code == 200
    assert [t.title for t in response.context["page"]] == ["Les Misérables"]
    assert "On the shelf: 1" in response.content.decode()


def test_the_desk_lends_by_chip_and_takes_back(client, librarian, amina, amina_card, library,
                                               centre):
    copy = add_title(library, "Desk book", copies=[("B9", centre)]).copies.get()
    client.login(email=librarian.email, password=PASSWORD)
    url = reverse("library:desk", args=[library.pk])
    response = client.post(url, {"lend-patron": CHIP, "lend-item": "B9"})
    assert response.status_code == 200
    assert Loan.objects.get().copy == copy
    assert [loan.copy.barcode for loan in response.context["loans"]] == ["B9"]
    response = client.post(url, {"lend-patron": "unknown", "lend-item": "B9"})
    assert response.context["lend_form"].errors == {
        "__all__": ["This card is not a member of this library."]}
    response = client.post(url, {"return-item": "B9", "return-branch": centre.pk})
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.state == CopyState.ON_SHELF


def test_the_desk_says_where_a_copy_in_transit_goes_and_remembers_its_branch(
        client, librarian, amina, library, centre, port):
    from civicard.library import operations
    from civicard.library.models import Channel

    copy = add_title(library, "Far book", copies=[("P9", port)]).copies.get()
    operations.place_hold(title=copy.title, membership=amina[1], person=amina[0].person,
                          pickup_branch=centre, channel=Channel.ONLINE, actor=amina[0], at=AT)
    client.login(email=librarian.email, password=PASSWORD)
    url = reverse("library:desk", args=[library.pk])
    response = client.post(url, {"return-item": "P9", "return-branch": port.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Checked in: “Far book”. Put it aside: it goes to Centre."]
    assert response.context["return_form"].initial["branch"] == port.pk
    response = client.post(url, {"return-item": "P9", "return-branch": centre.pk}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "Checked in: “Far book”. Put it aside: someone asked for it."]
    copy.refresh_from_db()
    assert (copy.state, copy.branch) == (CopyState.WAITING, centre)


def test_a_resident_is_refused_at_the_desk_and_nothing_changes(client, amina, library, centre):
    add_title(library, "Desk book", copies=[("B9", centre)])
    client.login(email=amina[0].email, password=PASSWORD)
    response = client.post(reverse("library:desk", args=[library.pk]),
                           {"lend-patron": amina[1].number, "lend-item": "B9"})
    assert response.status_code == 403
    assert Loan.objects.count() == 0


def test_my_library_shows_loans_holds_and_memberships(client, amina, librarian, library,
                                                      centre):
    from .conftest import lend

    copy = add_title(library, "Mine", copies=[("B1", centre)]).copies.get()
    lend(amina[1], copy, librarian)
    other = add_title(library, "Wanted", copies=[("B2", centre)])
    client.login(email=amina[0].email, password=PASSWORD)
    response = client.post(reverse("library:hold", args=[other.pk]),
                           {"pickup_branch": centre.pk})
    assert response.status_code == 302
    page = client.get(reverse("library:my_library")).content.decode()
    assert "Mine" in page and "Collect it at Centre before" in page
    assert f"Number {amina[1].number}, valid until 10 March 2027." in page


def _marc(records):
    out = io.BytesIO()
    for record in records:
        out.write(record.as_marc())
    return out.getvalue()


def _record(record_id, title, *items, unimarc=False):
    record = pymarc.Record(force_utf8=True)
    record.add_field(pymarc.Field(tag="001", data=record_id))
    if unimarc:
        record.add_field(pymarc.Field(tag="200", indicators=["1", " "], subfields=[
            pymarc.Subfield("a", title), pymarc.Subfield("f", "Antoine de Saint-Exupéry")]))
        for barcode in items:
            record.add_field(pymarc.Field(tag="995", indicators=[" ", " "], subfields=[
                pymarc.Subfield("b", "centre"), pymarc.Subfield("f", barcode)]))
    else:
        record.add_field(pymarc.Field(tag="245", indicators=["1", "0"], subfields=[
            pymarc.Subfield("a", title)]))
        for barcode in items:
            record.add_field(pymarc.Field(tag="952", indicators=[" ", " "], subfields=[
                pymarc.Subfield("a", "port"), pymarc.Subfield("p", barcode)]))
    return record


def test_marc_import_reports_bad_records_and_imports_the_rest(client, make_login, library):
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER)
    content = _marc([_record("1", "Le Petit Prince", "X1", unimarc=True),
                     _record("2", "Dune", "X1"), _record("3", "Matilda", "X3")])
    content += b"00099nam  2200049   4500" + b"cut"  # a truncated last record
    client.login(email=manager.email, password=PASSWORD)
    url = reverse("library:import", args=[library.pk])
    response = client.post(url, {"file": _named("cat.mrc", content)})
    report = response.context["report"]
    assert (report.titles, report.copies, report.error_count) == (2, 2, 2)
    assert [e[:2] for e in report.errors] == [(2, "barcode"), (4, "leader")]
    assert sorted(Title.objects.values_list("title", flat=True)) == ["Le Petit Prince",
                                                                     "Matilda"]
    assert Copy.objects.get(barcode="X1").branch.code == "centre"
    response = client.post(url, {"file": _named("again.mrc", content), "all_or_nothing": "on"})
    assert response.context["form"].non_field_errors() == [
        "The file was not imported. Records with errors: 2."]
    assert Title.objects.count() == 2


def test_csv_import_groups_copies_and_counts_pieces(client, make_login, library):
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER)
    rows = ("record_id,kind,title,author,publisher,year,isbn,barcode,branch,pieces\n"
            "g1,game,Dixit,,Libellud,2008,,J1,centre,84\n"
            "g1,game,Dixit,,Libellud,2008,,J2,port,84\n"
            "g2,toy,Bad kind,,,,,J3,centre,\n")
    client.login(email=manager.email, password=PASSWORD)
    response = client.post(reverse("library:import", args=[library.pk]),
                           {"file": _named("games.csv", rows.encode())})
    report = response.context["report"]
    assert (report.titles, report.copies, report.errors) == (1, 2, [
        (3, "kind", "Unknown kind: use book, game, dvd, music or other.")])
    assert sorted(Copy.objects.values_list("barcode", "pieces")) == [("J1", 84), ("J2", 84)]


def _named(name, content=b""):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_koha_patron_export(client, make_login, amina, library):
    amina[1].share_with_library_system = True
    amina[1].save()
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER)
    client.login(email=manager.email, password=PASSWORD)
    person = amina[0].person
    person.birth_date = date(1990, 4, 2)
    person.save()
    response = client.get(reverse("library:patrons_csv", args=[library.pk]))
    assert response.streaming  # written while it is sent (core.spreadsheets.csv_response)
    assert response["Content-Disposition"] == 'attachment; filename="media-patrons.csv"'
    assert response.getvalue().decode().splitlines() == [
        "cardnumber,surname,firstname,branchcode,categorycode,email,dateofbirth,dateexpiry",
        f"{amina[1].number},Benali,Amina,centre,PT,amina@example.org,1990-04-02,2027-03-10"]


def test_koha_patron_export_hands_no_formula_to_a_spreadsheet(client, make_login, amina,
                                                              library):
    amina[1].share_with_library_system = True
    amina[1].save()
    person = amina[0].person
    person.full_name = '=HYPERLINK("http://x") Benali'
    person.save()
    manager = make_login("manager@example.org", role=Role.SERVICE_MANAGER)
    client.login(email=manager.email, password=PASSWORD)
    response = client.get(reverse("library:patrons_csv", args=[library.pk]))
    (row,) = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert (row["surname"], row["firstname"]) == ("Benali", '\'=HYPERLINK("http://x")')


def test_the_api_searches_and_places_a_hold_for_the_resident(client, amina, library, centre,
                                                             port):
    title = add_title(library, "Les Misérables", author="Victor Hugo", copies=[("B1", centre)])
    found = client.get("/api/library/titles", {"q": "MISERABLES"}).json()
    assert [(t["title"], t["on_shelf"], t["copies"]) for t in found] == [("Les Misérables", 1, 1)]
    assert client.get("/api/library/me").status_code == 403
    client.login(email=amina[0].email, password=PASSWORD)
    placed = client.post(f"/api/library/titles/{title.pk}/holds",
                         {"pickup_branch_id": centre.pk}, content_type="application/json")
    assert placed.status_code == 201
    assert placed.json()["position"] is None  # not in a queue: a copy waits for her already
    assert placed.json()["in_transit"] is False
    again = client.post(f"/api/library/titles/{title.pk}/holds",
                        {"pickup_branch_id": centre.pk}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "already_held")
    mine = client.get("/api/library/me").json()
    assert [h["title"] for h in mine["holds"]] == ["Les Misérables"]
    assert mine["holds"][0]["collect_by"] is not None  # the copy on the shelf was set aside
    far = add_title(library, "Quatrevingt-treize", copies=[("P1", port)])
    sent = client.post(f"/api/library/titles/{far.pk}/holds",
                       {"pickup_branch_id": centre.pk}, content_type="application/json").json()
    assert (sent["position"], sent["in_transit"], sent["collect_by"]) == (None, True, None)
