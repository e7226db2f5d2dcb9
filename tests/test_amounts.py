"""How a workbook's amount cells read (recognise/amounts.py): once per distinct value, and — for floats, the common
case — without parse_amount's steps, yet exactly as parse_amount reads them, down to the Decimal's exponent."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qidong_audit.numbers import parse_amount
from qidong_audit.recognise.amounts import BLANK, Amounts, holdable


def _reference(value: object) -> tuple:
    """parse_amount's reading, with a number no spreadsheet can hold read as no amount: the reading as it was
    before floats took their own route."""
    p = parse_amount(value)
    if p.number and not holdable(p.value):
        p = replace(p, value=None, number=False, decimals=0)
    return (p.value, p.text, p.decimals, not p.number and not p.blank, p.blank)


def _exact(fields: tuple) -> tuple:
    """The fields with the Decimal spelt out: Decimal("1.0") == Decimal("1"), but they print differently."""
    value = fields[0]
    return (None if value is None else value.as_tuple(), *fields)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e16, max_value=1e16),
    st.integers(-10**17, 10**17).map(lambda n: n / 100),  # figures with cents
    st.sampled_from([0.0, -0.0, 1e15, 999999999999999.0, 1e-4, 1e-5, 0.1 + 0.2, 5e-324, 1.7976931348623157e308]),
))
def test_a_float_reads_as_parse_amount_reads_it(f):
    amounts = Amounts()
    assert _exact(amounts.read(f)) == _exact(_reference(f))
    assert _exact(amounts.read(f)) == _exact(_reference(f))  # again, from the memo


@pytest.mark.parametrize("value", ["2,940.05", "(12.30)", "-", "", " ", "1e999999999", "9" * 30, "abc", 7, True,
                                   Decimal("1.50"), Decimal("1E+30"), 10**20])
def test_other_values_read_as_parse_amount_reads_them(value):
    amounts = Amounts()
    assert _exact(amounts.read(value)) == _exact(_reference(value))
    assert _exact(amounts.read(value)) == _exact(_reference(value))


def test_equal_values_of_other_types_are_not_mixed_up():
    amounts = Amounts()
    assert amounts.read(1.0)[1] == "1"
    assert amounts.read(1)[1] == "1" and amounts.read(True)[3]  # True is no amount, though True == 1 == 1.0
    assert amounts.read(-0.0)[1] == "-0" and amounts.read(0.0)[1] == "0"
    assert amounts.read(Decimal("1.00"))[2] == 2


def test_an_empty_cell_is_blank():
    assert BLANK == _reference(None)
