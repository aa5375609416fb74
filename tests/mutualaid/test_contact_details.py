import pytest

from civicard.mutualaid.contact_details import find_contact_details


@pytest.mark.parametrize("text", [
    "Call me on 06 12 34 56 78", "06.12.34.56.78 please", "tel 0612345678", "06-12-34-56-78",
    "+33612345678", "+33 6 12 34 56 78", "0033 6 12 34 56 78", "+33 (0)6 12 34 56 78",
    "write to name@example.org", "name.surname+aid@example.co.uk",
    "name (at) example (dot) org", "name[at]example[dot]org", "name @ example.org",
    "camille ＠ example.fr",
])
def test_contact_details_are_found(text):
    assert find_contact_details(text) != []


@pytest.mark.parametrize("text", [
    "I can lend a drill on Saturday 12/03/2026 from 10 to 12",
    "Price: 15 euros, 3 bags, 2 hours", "Bus line 12 at 14:30", "Born in 1950",
    "Room 101, building B", "at the park near the church",
])
def test_ordinary_text_is_not_flagged(text):
    assert find_contact_details(text) == []
