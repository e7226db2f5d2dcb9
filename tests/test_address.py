"""A1 addresses (qidong_audit/address.py), the one place the reader, recognition, the template and the reports
spell them."""

from __future__ import annotations

import pytest

from qidong_audit.address import a1, column_letters, column_number, place


@pytest.mark.parametrize("col, letters", [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD")])
def test_column_letters_and_numbers(col, letters):
    assert column_letters(col) == letters
    assert column_number(letters) == column_number(letters.lower()) == col + 1


def test_every_column_of_excel_goes_there_and_back():
    assert all(column_number(column_letters(c)) == c + 1 for c in range(16384))


def test_addresses():
    assert a1(11, 4) == "E12" and a1(-1, 0) == "A0"
    assert place("E12") == (12, 5) and place("e12") == (12, 5)
    assert place(None) == place("") == (0, 0) and place("E") == (0, 5)
