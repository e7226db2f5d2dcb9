"""The quick route of rule evaluation and its deferred relations change nothing.

Checks that hold exactly are settled without interval arithmetic and leave only a recipe of their relation
(rules/relation.py RelationLog); the relation is built if diagnosis needs it. Here every check of varied
workbooks is also judged by the full evaluation alone (a policy the quick route does not know), and the two
must agree on every finding and on every relation, digit for digit and in the same order.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from fixtures.builders import clean_dataset, set_cell, write_central, write_shanghai
from qidong_audit.audit import sample_path
from qidong_audit.catalog import load_catalog
from qidong_audit.diagnose import diagnose, rounding_advice
from qidong_audit.io import read_workbook
from qidong_audit.numbers import RoundingPolicy
from qidong_audit.recognise import recognise
from qidong_audit.recognise.spec import all_tables, load_tables, pack_of
from qidong_audit.rules.engine import run_pack
from qidong_audit.rules.index import build_indexes
from qidong_audit.rules.pack import builtin_pack
from qidong_audit.rules.relation import RelationLog
from tests import budget_builders as bb


class _JudgedOnly(RoundingPolicy):
    """The same policy, which the quick route does not know: every check goes to the full evaluation."""


def _workbooks(tmp: object) -> dict[str, object]:
    """name → recognised workbook: clean, with slips planted, off by rounding, budget (also in 元), the sample."""
    out = {}
    for name, writer, seed, kw in (
        ("central", write_central, 1, {}),
        ("shanghai-stacked", write_shanghai, 4, {"stacked": True, "code_style": "single"}),
    ):
        path = tmp / f"{name}.xlsx"  # type: ignore[operator]
        written = writer(clean_dataset(seed, state_capital=True), path, **kw)
        out[name] = path
        slips = tmp / f"{name}-slips.xlsx"  # type: ignore[operator]
        written = writer(clean_dataset(seed, state_capital=True), slips, **kw)
        keys = sorted(written.cells)
        for i, value in ((7, Decimal("123.45")), (len(keys) // 2, None), (len(keys) - 9, Decimal("-0.01"))):
            sheet, a1 = written.cells[keys[i]]
            set_cell(slips, sheet, a1, value)
        out[f"{name}-slips"] = slips
    rounding = tmp / "rounding.xlsx"  # type: ignore[operator]
    written = write_central(clean_dataset(2), rounding)
    sheet, a1 = written.cells[sorted(written.cells)[3]]
    set_cell(rounding, sheet, a1, Decimal("0.01"))
    out["rounding"] = rounding
    budget = bb.budget(1)
    bb.write_central(budget, tmp / "budget.xlsx")  # type: ignore[operator]
    bb.write_central(budget, tmp / "budget-yuan.xlsx", yuan=("YS02", "YS05"))  # type: ignore[operator]
    out["budget"], out["budget-yuan"] = tmp / "budget.xlsx", tmp / "budget-yuan.xlsx"  # type: ignore[operator]
    out["sample"] = sample_path()
    return {name: recognise(read_workbook(str(path)), all_tables()) for name, path in out.items()}


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    return _workbooks(tmp_path_factory.mktemp("speed"))


def _run(rec, policy, relations, unit=None):
    """Both packs as `audit_file` runs them, on fresh indexes (optionally with every table in `unit`)."""
    tables = rec.tables if unit is None else tuple(replace(t, unit=unit) for t in rec.tables)
    catalog = load_catalog(rec.year)
    findings = []
    for pack in ("final", "budget"):
        table_set = load_tables(pack)
        indexes, _ = build_indexes(tables, table_set)
        if any(pack_of(tid) == pack for tid in indexes):
            findings += run_pack(builtin_pack(pack), indexes, table_set, policy, "x.xlsx", catalog, relations)
    return findings


def _signature(rel):
    """A relation in full: every Decimal by its repr (digits and exponent)."""
    coefs = tuple((c.cell.sheet, c.cell.a1, repr(c.coef), c.decimals) for c in rel.coefs)
    return rel.rule, rel.op, repr(rel.diff), repr(rel.tol), coefs, rel.finding


POLICIES = [("interval", None), ("exact", None), ("tolerance", Decimal("0.5"))]


@pytest.mark.parametrize("mode, tolerance", POLICIES)
@pytest.mark.parametrize("unit", [None, "元", "亿元"])
def test_quick_route_and_deferred_relations_match_the_full_evaluation(workbooks, mode, tolerance, unit):
    for name, rec in workbooks.items():
        log = RelationLog()
        quick = _run(rec, RoundingPolicy(mode, tolerance), log, unit)
        full_relations: list = []
        full = _run(rec, _JudgedOnly(mode, tolerance), full_relations, unit)
        assert quick == full, name
        assert [_signature(r) for r in log.all()] == [_signature(r) for r in full_relations], name
        # a plain list receives the same relations, built at once
        listed: list = []
        _run(rec, RoundingPolicy(mode, tolerance), listed, unit)
        assert [_signature(r) for r in listed] == [_signature(r) for r in full_relations], name


def test_diagnosis_reads_the_same_from_a_log_as_from_every_relation(workbooks):
    diagnosed = 0
    for name, rec in workbooks.items():
        log = RelationLog()
        _run(rec, RoundingPolicy(), log)
        every: list = []
        _run(rec, RoundingPolicy(), every)
        assert diagnose(log) == diagnose(every), name
        assert rounding_advice(log) == rounding_advice(every), name
        diagnosed += bool(diagnose(every)) + bool(rounding_advice(every))
    assert diagnosed >= 3  # the planted slips and the rounding workbook do reach diagnosis


def test_touching_keeps_order_and_builds_only_what_it_returns(workbooks):
    log = RelationLog()
    _run(workbooks["central-slips"], RoundingPolicy(), log)
    every = RelationLog()
    _run(workbooks["central-slips"], RoundingPolicy(), every)
    picked = {(c.cell.sheet, c.cell.a1) for rel in every.judged if rel.failing for c in rel.coefs}
    assert picked
    cells: dict = {}
    for sheet, a1 in picked:
        cells.setdefault(sheet, set()).add(a1)

    def wanted(cell):
        return (cell.sheet, cell.a1) in picked

    touching = log.touching(cells)
    assert [_signature(r) for r in touching] == [
        _signature(r) for r in every.all() if any(wanted(c.cell) for c in r.coefs)]
    # only relations returned were built: those far from the slips never were
    assert log.built() <= len(touching) < len(every.all()) // 2


def test_a_clean_workbook_builds_no_relation(workbooks):
    log = RelationLog()
    findings = _run(workbooks["central"], RoundingPolicy(), log)
    assert not [f for f in findings if f.verdict.value in ("inconsistent", "rounding")]
    assert log.judged == []
    assert diagnose(log) == [] and rounding_advice(log) == []
    assert log.built() == 0
    assert len(log.all()) > 200 and log.built() == len(log.all())


def test_an_audit_leaves_no_reference_cycles(tmp_path):
    """The recipes of deferred relations must not lead back to their log: a cycle would leave every workbook's
    tables and cells to the garbage collector, whose passes then cost more than the evaluation saved."""
    import gc

    from qidong_audit.audit import AuditOptions, audit_file, load_rules

    path = tmp_path / "w.xlsx"
    write_central(clean_dataset(3), path)
    options = AuditOptions()
    pack = load_rules(options)
    audit_file(str(path), pack, options)  # loads what a first audit loads
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        audit_file(str(path), pack, options)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()


def test_every_check_of_the_built_in_packs_is_planned():
    """A check without plan is always left to the full evaluation: correct, but slow."""
    from qidong_audit.rules.plan import plan_pack

    for pack in ("final", "budget"):
        plans = plan_pack(builtin_pack(pack), load_tables(pack))
        assert all(check is not None for plan in plans for check in plan.instances), pack
        assert sum(check.row_table is not None for plan in plans for check in plan.instances) >= 5, pack
