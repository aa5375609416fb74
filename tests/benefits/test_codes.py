import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from civicard.benefits import codes

body = st.text(alphabet=codes.ALPHABET, min_size=12, max_size=12)


def test_a_new_code_is_valid_and_random():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(codes.is_valid(code) and len(code) == 13 for code in made)


@settings(max_examples=25, deadline=None)
@given(body)
def test_every_single_wrong_character_is_caught(text):
    code = text + codes.check_char(text)
    for index, char in itertools.product(range(13), codes.CHECK_ALPHABET):
        if index < 12 and char not in codes.ALPHABET:
            continue
        typo = code[:index] + char + code[index + 1:]
        if typo != code:
            assert not codes.is_valid(typo)


@settings(max_examples=25, deadline=None)
@given(body)
def test_every_swap_of_neighbours_is_caught_and_corrected(text):
    code = text + codes.check_char(text)
    for index in range(11):
        swapped = code[:index] + code[index + 1] + code[index] + code[index + 2:]
        if swapped != code:
            assert not codes.is_valid(swapped)
            assert code in codes.corrections(swapped)


def test_reading_is_forgiving():
    code = "0123456789AB" + codes.check_char("0123456789AB")
    printed = codes.display(code)
    assert printed == f"0123-4567-89AB-{code[-1]}"
    assert codes.normalise(printed.lower().replace("0", "o").replace("1", "l")) == code
    assert codes.normalise(codes.qr_payload(code)) == code


def test_a_wrong_character_is_corrected_to_the_original():
    code = "7K3M9QW2XZ4P" + codes.check_char("7K3M9QW2XZ4P")
    typo = code[:3] + ("A" if code[3] != "A" else "B") + code[4:]
    assert code in codes.corrections(typo)
    assert all(codes.is_valid(c) for c in codes.corrections(typo))
