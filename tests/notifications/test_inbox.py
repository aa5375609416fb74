from datetime import UTC, datetime

from civicard.notifications import operations

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_inbox_shows_own_notices_and_marks_them_read(client, resident, make_login):
    mine = operations.notify(to=resident.person.addressee, kind="test", subject="For Rosa",
                             body="Hi", at=AT)
    other = make_login("other@example.org")
    theirs = operations.notify(to=other.person.addressee, kind="test", subject="For Other",
                               body="Hi", at=AT)
    client.force_login(resident)
    page = client.get("/inbox/").content.decode()
    assert "For Rosa" in page and "For Other" not in page
    client.post(f"/inbox/{theirs.pk}/read/")
    client.post(f"/inbox/{mine.pk}/read/")
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is None
    assert mine.read_at is not None


def test_inbox_needs_a_login(client, db):
    assert client.get("/inbox/")["Location"].startswith("/accounts/login/")
