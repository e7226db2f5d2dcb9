"""Diagnosis: which cell is wrong and what it should have said, scored on slips planted in a full
workbook, and honest when the evidence cannot single out one cell."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from fixtures.builders import clean_dataset, set_cell, write_central, write_shanghai
from qidong_audit.audit import audit_paths
from qidong_audit.diagnose import KIND_ZH, _classify
from qidong_audit.model import Cell

D = Decimal


def _cell(v: str) -> Cell:
    return Cell("S", "A1", 0, 0, D(v), v, 2)


@pytest.mark.parametrize(
    "typed, lo, hi, kind, value",
    [
        ("2160.66", "2106.655", "2106.665", "transposition", "2106.66"),
        ("41.71", "41.77", "41.79", "digit", "41.78"),
        ("-7.24", "7.235", "7.245", "sign", "7.24"),
        ("2940050.00", "294.0045", "294.0055", "unit", "294.005"),
        ("29400.50", "2940.045", "2940.055", "decimal-shift", "2940.05"),
        ("1234.5", "1234.555", "1234.565", "digit", "1234.56"),
    ],
)
def test_classify_slips(typed, lo, hi, kind, value):
    target = (D(lo) + D(hi)) / 2
    got_kind, got = _classify(_cell(typed), 2, D(lo), D(hi), target.quantize(D("0.01")))
    assert (got_kind, got) == (kind, D(value))


def _slip(kind: str, v: Decimal, rng: random.Random) -> Decimal | None:
    s = f"{v:.2f}".replace(".", "")
    if kind == "transposition":
        spots = [i for i in range(len(s) - 1) if s[i] != s[i + 1] and not (i == 0 and s[1] == "0")]  # no leading zero
        if not spots:
            return None
        i = rng.choice(spots)
        return D(s[:i] + s[i + 1] + s[i] + s[i + 2:]).scaleb(-2)
    if kind == "digit":
        i = rng.randrange(len(s))
        return D(s[:i] + rng.choice([c for c in "0123456789" if c != s[i]]) + s[i + 1:]).scaleb(-2)
    return {"decimal-shift": v * 10, "sign": -v, "unit": v * 10000}[kind]


@pytest.mark.parametrize("layout", ["central", "shanghai"])
def test_planted_slips_are_located_and_restored(tmp_path, layout):
    writer = {"central": write_central, "shanghai": write_shanghai}[layout]
    ds = clean_dataset(11, state_capital=True)
    base = tmp_path / "base.xlsx"
    written = writer(ds, base)
    rng = random.Random(layout)
    keys = [k for k in sorted(written.cells) if ds.amount(*k)]
    total = restored = wrong = 0
    misses = []
    for kind in ("transposition", "digit", "decimal-shift", "sign", "unit"):
        for key in rng.sample(keys, 8):
            v = ds.amount(*key)
            u = _slip(kind, v, rng)
            if u is None or abs(u - v) < D("0.1"):
                continue
            sheet, a1 = written.cells[key]
            planted = tmp_path / "p.xlsx"
            planted.write_bytes(base.read_bytes())
            set_cell(planted, sheet, a1, u)
            report = audit_paths([str(planted)])
            primaries = [f for f in report.findings if f.severity.value == "error" and f.explained_by is None]
            assert primaries, f"{kind} slip at {sheet}!{a1} went unnoticed"
            total += 1
            hit = [f for f in primaries if (f.sheet, f.cell) == (sheet, a1) and f.suggestion]
            if hit and D(hit[0].suggestion.value) == v:
                restored += 1
                assert hit[0].suggestion.kind == kind or kind == "digit"
                assert KIND_ZH[hit[0].suggestion.kind] in hit[0].diagnosis
            else:
                misses.append((kind, key, str(v), str(u)))
            # never a confident wrong guess: a suggestion always names the planted cell
            wrong += sum(1 for f in primaries if f.suggestion and (f.sheet, f.cell) != (sheet, a1))
    assert wrong == 0
    assert restored >= 0.9 * total, (restored, total, misses)


def test_one_problem_many_symptoms(tmp_path):
    ds = clean_dataset(11, state_capital=True)
    base = tmp_path / "b.xlsx"
    written = write_central(ds, base)
    sheet, a1 = written.cells[("JS03", "201", "本年支出合计")]
    v = ds.amount("JS03", "201", "本年支出合计")
    set_cell(base, sheet, a1, -v)
    report = audit_paths([str(base)])
    errors = [f for f in report.findings if f.severity.value == "error"]
    primary = [f for f in errors if f.explained_by is None]
    assert len(primary) == 1 and (primary[0].sheet, primary[0].cell) == (sheet, a1)
    assert primary[0].suggestion.value == f"{v:.2f}" and primary[0].suggestion.kind == "sign"
    others = [f for f in errors if f.explained_by == primary[0].id]
    assert len(others) == len(errors) - 1 >= 3
    assert set(primary[0].consequences) == {f.id for f in others}
    assert f"1 个问题，{len(errors)} 项检查不符" in primary[0].diagnosis


def test_undecidable_slip_names_no_cell(tmp_path):
    # an 款 whose 项 rows appear in no other check: any of them could carry the error
    ds = clean_dataset(11, state_capital=True)
    base = tmp_path / "b.xlsx"
    written = write_central(ds, base)
    items = [k for k in written.cells if k[0] == "JS06" and len(k[1]) == 5 and k[1].startswith("301") and ds.amount(*k)]
    key = items[0]
    sheet, a1 = written.cells[key]
    set_cell(base, sheet, a1, ds.amount(*key) + D("3.70"))
    report = audit_paths([str(base)])
    primary = [f for f in report.findings if f.severity.value == "error" and f.explained_by is None]
    assert all(f.suggestion is None for f in primary)
    assert any("无法确定是哪个单元格出错" in (f.diagnosis or "") for f in primary)


def test_rounding_advice_names_one_nudge(tmp_path):
    from qidong_audit.audit import AuditOptions
    from qidong_audit.diagnose import rounding_advice
    from qidong_audit.io import read_workbook
    from qidong_audit.numbers import RoundingPolicy
    from qidong_audit.recognise import recognise
    from qidong_audit.recognise.spec import load_tables
    from qidong_audit.rules.engine import run_pack
    from qidong_audit.rules.index import build_indexes
    from qidong_audit.rules.pack import builtin_pack
    from tests.conftest import JS03_MERGES, js03, write_xlsx

    rows = [
        [None, None, None, "合计", "947.59", "940.12", "7.46"],  # 基本 + 项目 = 947.58
        ["201", None, None, "一般公共服务支出", "947.59", "940.12", "7.47"],
        ["201", "03", None, "政府办公厅（室）及相关机构事务", "947.59", "940.12", "7.47"],
    ]
    path = write_xlsx(tmp_path / "r.xlsx", {"S": js03(rows)}, {"S": JS03_MERGES})
    rec = recognise(read_workbook(path))
    indexes, _ = build_indexes(rec.tables, load_tables())
    relations = []
    findings = run_pack(builtin_pack(), indexes, load_tables(), RoundingPolicy(), str(path), None, relations)
    assert {f.rule for f in findings if f.verdict.value == "rounding"} == {"JS03.row", "JS03.tree"}
    advice = rounding_advice(relations)
    assert len(advice) == 1
    # 项目支出 合计 7.46 → 7.47 makes both the row and the tree exact
    assert [(a.cell, a.value) for a in advice[0].adjustments] == [("G8", "7.47")]
    assert AuditOptions().rounding == "interval"
