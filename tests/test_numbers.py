from decimal import Decimal as D

import pytest

from qidong_audit.model import Verdict
from qidong_audit.numbers import RoundingPolicy, Term, from_float, parse_amount


@pytest.mark.parametrize(
    "raw, value, decimals, blank",
    [
        (947.59, D("947.59"), 2, False),
        (10.0, D("10"), 0, False),
        (1234.5600000000002, D("1234.56"), 2, False),  # a formula's binary noise is not hidden precision
        ("2,940.05", D("2940.05"), 2, False),
        ("(12.30)", D("-12.30"), 2, False),
        ("－12.30", D("-12.30"), 2, False),
        ("１，２３４．５０", D("1234.50"), 2, False),
        (" 947.59 ", D("947.59"), 2, False),
        ("-", None, 0, True),
        ("—", None, 0, True),
        ("– –", None, 0, True),
        ("", None, 0, True),
        (None, None, 0, True),
        (2010301, D("2010301"), 0, False),
    ],
)
def test_parse_amount(raw, value, decimals, blank):
    p = parse_amount(raw)
    assert (p.value, p.decimals, p.blank) == (value, decimals, blank)


@pytest.mark.parametrize("raw", ["abc", "12.3.4", "947.59万元", True])
def test_parse_amount_rejects_non_amounts(raw):
    p = parse_amount(raw)
    assert p.value is None and not p.number and not p.blank


def test_from_float_keeps_written_digits():
    assert str(from_float(0.1 + 0.2)) == "0.3"
    assert str(from_float(947.5912)) == "947.5912"


def _t(*values, hw=D("0.005")):
    return [Term(1, D(v), hw) for v in values]


@pytest.mark.parametrize(
    "total, parts, verdict",
    [
        ("0.01", ["0.00", "0.00", "0.00"], Verdict.ROUNDING),  # Calc 1.0 false positive, consistent in 1.1
        ("100.00", ["33.33", "33.33", "33.33"], Verdict.ROUNDING),
        ("10.00", ["1.00"] * 9 + ["0.96"], Verdict.ROUNDING),
        ("3.00", ["1.00", "1.00", "1.03"], Verdict.INCONSISTENT),
        ("947.59", ["940.12", "7.46"], Verdict.ROUNDING),
        ("947.59", ["940.12", "7.47"], Verdict.OK),
        ("947.59", ["805.57", "14.17", "2.36", "2.52", "35.26", "14.74", "5.90", "14.17", "25.48", "17.59", "2.36"], Verdict.INCONSISTENT),
    ],
)
def test_interval_model(total, parts, verdict):
    # worked examples of anchors.md §14 and the seed report
    assert RoundingPolicy().judge("=", _t(total), _t(*parts), D(1)).verdict is verdict


def test_tolerance_is_n_plus_one_half_units():
    j = RoundingPolicy().judge("=", _t("947.59"), _t("940.12", "7.46"), D(1))
    assert (j.difference, j.tolerance) == (D("0.01"), D("0.015"))


def test_exact_and_fixed_tolerance_modes():
    assert RoundingPolicy("exact").judge("=", _t("947.59"), _t("940.12", "7.46"), D(1)).verdict is Verdict.INCONSISTENT
    fixed = RoundingPolicy("tolerance", D("0.05"))
    assert fixed.judge("=", _t("3.00"), _t("1.00", "1.00", "1.03"), D(1)).verdict is Verdict.ROUNDING
    assert fixed.judge("=", _t("3.00"), _t("1.00", "1.00", "1.06"), D(1)).verdict is Verdict.INCONSISTENT


def test_inequality():
    p = RoundingPolicy()
    assert p.judge("<=", _t("5.00"), _t("6.00"), D(1)).verdict is Verdict.OK
    assert p.judge("<=", _t("6.01"), _t("6.00"), D(1)).verdict is Verdict.ROUNDING
    assert p.judge("<=", _t("6.02"), _t("6.00"), D(1)).verdict is Verdict.INCONSISTENT


@pytest.mark.parametrize("raw", ["1e5", "1E999999999", "9" * 30])
def test_text_that_only_looks_like_a_number_is_not_an_amount(raw):
    p = parse_amount(raw)
    assert p.value is None and not p.number
