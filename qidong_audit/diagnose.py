"""Which cell is wrong, and what it probably should have said.

Error localisation in the Fellegi–Holt sense: the checks of a workbook are one system of linear relations
over its cells (passing checks included). For the checks that fail, find the smallest set of cells whose
correction satisfies every check at once — one cell first, then pairs. For a located cell, the value that
satisfies the checks is compared with what was typed to name the slip: adjacent digits swapped, one digit
wrong, a digit dropped or added, the decimal point shifted, the sign flipped, 元/万元, or a 0.01 rounding
slip. When the evidence does not single out one cell, the candidates are listed and no cell is named.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_EVEN, Decimal
import time
from itertools import combinations

from qidong_audit.model import Cell, Finding, Suggestion
from qidong_audit.numbers import fmt
from qidong_audit.rules.relation import Relation, RelationLog, judged

Key = tuple[str, str]  # (sheet, A1)
INF = Decimal("Infinity")

# How convincing each kind of slip is when it explains the numbers (lower is more convincing).
_KIND_RANK = {"transposition": 0, "sign": 1, "unit": 1, "decimal-shift": 2, "digit": 3, "rounding": 4, "other": 9}
KIND_ZH = {
    "transposition": "相邻数字颠倒",
    "digit": "数字录入错误",
    "decimal-shift": "小数点错位",
    "sign": "正负号错误",
    "unit": "元/万元单位错误",
    "rounding": "四舍五入差 0.01",
    "other": "按勾稽关系推算",
}
_MAX_PAIR_CELLS = 40  # cells considered for two-cell explanations of one problem
_MAX_PAIR_GROUP = 8  # two-cell explanations are sought for problems of at most this many failing checks
_TIME_BUDGET_S = 2.0  # diagnosis of one workbook, all problems together


@dataclass(frozen=True, slots=True)
class Explanation:
    cell: Cell
    suggestion: Suggestion | None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    located: tuple[Explanation, ...]  # the cells to correct (empty when undecided)
    candidates: tuple[Explanation, ...]  # when undecided: every single cell that could explain it
    findings: tuple[Finding, ...]  # the failing findings this problem explains


def _key(cell: Cell) -> Key:
    return (cell.sheet, cell.a1)


def _interval(rel: Relation, coef: Decimal) -> tuple[Decimal, Decimal]:
    """The changes δ of one cell (with coefficient coef) that keep or make this relation consistent."""
    low = -INF if rel.op == "<=" else -rel.tol - rel.diff  # what coef·δ must reach
    high = INF if rel.op == ">=" else rel.tol - rel.diff
    a, b = low / coef, high / coef
    return (min(a, b), max(a, b))


def _coef(rel: Relation, key: Key) -> Decimal:
    return sum((c.coef for c in rel.coefs if _key(c.cell) == key), Decimal(0))


def diagnose(relations: list[Relation] | RelationLog) -> list[Diagnosis]:
    """The problems behind the failing checks. A workbook whose checks all pass (or are off only by rounding)
    has none, and then the relations of its settled checks are never built (see RelationLog)."""
    failing = [r for r in judged(relations) if r.failing]
    if not failing:
        return []
    by_cell, cells, decimals = _index(_around(relations, failing))
    out: list[Diagnosis] = []
    deadline = time.monotonic() + _TIME_BUDGET_S
    for group in _components(failing):
        findings = tuple(r.finding for r in group if r.finding is not None)
        if time.monotonic() > deadline:  # bounded time: the rest of the problems are reported undiagnosed
            out.append(Diagnosis((), (), findings))
            continue
        try:
            out.append(_diagnose_group(group, by_cell, cells, decimals))
        except (ArithmeticError, ValueError):  # an extreme value must not cost the file its report
            out.append(Diagnosis((), (), findings))
    return out


def _index(relations: list[Relation]) -> tuple[dict[Key, list[Relation]], dict[Key, Cell], dict[Key, int]]:
    """Per cell: the relations it appears in, the cell itself, and the decimals its table publishes."""
    by_cell: dict[Key, list[Relation]] = {}
    cells: dict[Key, Cell] = {}
    decimals: dict[Key, int] = {}
    for rel in relations:
        for c in rel.coefs:
            k = _key(c.cell)
            if not by_cell.get(k) or by_cell[k][-1] is not rel:
                by_cell.setdefault(k, []).append(rel)
            cells[k], decimals[k] = c.cell, max(c.decimals, c.cell.decimals)
    return by_cell, cells, decimals


def _around(relations: list[Relation] | RelationLog, problems: list[Relation]) -> list[Relation]:
    """The relations that share a cell with one of the problems' relations, in order.

    Diagnosis looks a cell up in `_index` only for cells of the problems' relations, and every relation
    holding such a cell is among these — in the same order — so `_index` of these answers those look-ups
    exactly as `_index` of all the relations would. A RelationLog then builds only these few relations."""
    if not isinstance(relations, RelationLog):
        return relations
    keys: dict[str, set[str]] = {}  # sheet → A1s
    for rel in problems:
        for c in rel.coefs:
            keys.setdefault(c.cell.sheet, set()).add(c.cell.a1)
    return relations.touching(keys)


def _components(failing: list[Relation]) -> list[list[Relation]]:
    """Failing checks that share a cell belong to one problem."""
    parent = list(range(len(failing)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[Key, int] = {}
    for i, rel in enumerate(failing):
        for c in rel.coefs:
            k = _key(c.cell)
            if k in owner:
                parent[find(i)] = find(owner[k])
            else:
                owner[k] = i
    groups: dict[int, list[Relation]] = {}
    for i, rel in enumerate(failing):
        groups.setdefault(find(i), []).append(rel)
    return list(groups.values())


def _diagnose_group(group: list[Relation], by_cell, cells, decimals) -> Diagnosis:
    findings = tuple(r.finding for r in group if r.finding is not None)
    common = set.intersection(*({_key(c.cell) for c in r.coefs} for r in group))
    singles: list[Explanation] = []
    for k in sorted(common):
        interval = _feasible(k, by_cell[k])
        if interval is not None:
            singles.append(_explain(cells[k], decimals[k], interval, group, k))
    if len(singles) == 1:
        return Diagnosis((singles[0],), (), findings)
    if singles:
        best = _best(singles)
        return Diagnosis((best,), (), findings) if best else Diagnosis((), tuple(singles), findings)
    pair = _pairs(group, by_cell, cells, decimals) if len(group) <= _MAX_PAIR_GROUP else ()
    if pair:
        return Diagnosis(pair, (), findings)
    return Diagnosis((), (), findings)


def _best(options: list[Explanation]) -> Explanation | None:
    """The one explanation whose correction is a recognisable slip, if exactly one is."""
    ranked = [e for e in options if e.suggestion and e.suggestion.kind not in ("other", "digit", "rounding")]
    if len(ranked) == 1:
        return ranked[0]
    return None


def _feasible(k: Key, rels: list[Relation], fixed: dict[Key, Decimal] | None = None) -> tuple[Decimal, Decimal] | None:
    lo, hi = -INF, INF
    for rel in rels:
        coef = _coef(rel, k)
        if coef == 0:
            continue
        shifted = rel
        if fixed:
            extra = sum((_coef(rel, fk) * d for fk, d in fixed.items()), Decimal(0))
            shifted = replace(rel, diff=rel.diff + extra)
        a, b = _interval(shifted, coef)
        lo, hi = max(lo, a), min(hi, b)
        if lo > hi:
            return None
    return lo, hi


def _explain(cell: Cell, dec: int, interval: tuple[Decimal, Decimal], group: list[Relation], k: Key) -> Explanation:
    v = cell.amount
    lo, hi = v + interval[0], v + interval[1]
    # the value that makes the failing checks exact, kept inside what every check allows
    targets = sorted(v - r.diff / _coef(r, k) for r in group if _coef(r, k) != 0)
    target = min(max(targets[len(targets) // 2] if targets else v, lo), hi)
    kind, value = _classify(cell, dec, lo, hi, target)
    if value is None:
        value = _quantize(target, dec, lo, hi)
        kind = "other"
    if value is None:
        return Explanation(cell, None)
    return Explanation(cell, Suggestion(cell.sheet, cell.a1, f"{value:.{dec}f}", kind))


def _quantize(x: Decimal, dec: int, lo: Decimal, hi: Decimal) -> Decimal | None:
    q = Decimal(1).scaleb(-dec)
    y = x.quantize(q, rounding=ROUND_HALF_EVEN)
    for cand in (y, y + q, y - q):
        if lo <= cand <= hi:
            return cand
    return None


def _classify(cell: Cell, dec: int, lo: Decimal, hi: Decimal, target: Decimal) -> tuple[str, Decimal | None]:
    """The most convincing slip whose corrected value lies in [lo, hi]: one that makes the checks exact
    first, then by kind, then nearest the exact value."""
    if cell.value is None:
        return "other", None
    found = [(kind, u) for kind, u in _variants(cell.value, dec) if lo <= u <= hi and u != cell.value]
    if not found:
        return "other", None
    found.sort(key=lambda ku: (ku[1] != target, _KIND_RANK[ku[0]], abs(ku[1] - target)))
    return found[0]


def _variants(v: Decimal, dec: int):
    """What was probably meant, for each kind of slip that turns it into v."""
    q = Decimal(1).scaleb(-dec)
    yield "rounding", v + q
    yield "rounding", v - q
    yield "sign", -v
    yield "unit", v / 10000
    yield "unit", v * 10000
    for k in (1, 2, 3):
        yield "decimal-shift", (v * Decimal(10) ** k).quantize(q)
        yield "decimal-shift", (v / Decimal(10) ** k).quantize(q)
    sign = -1 if v < 0 else 1
    digits = f"{abs(v):.{dec}f}".replace(".", "")

    def back(s: str) -> Decimal | None:
        if not s or not s.isdigit():
            return None
        return sign * Decimal(s).scaleb(-dec)

    for i in range(len(digits) - 1):
        if digits[i] != digits[i + 1]:
            u = back(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
            if u is not None:
                yield "transposition", u
    for i in range(len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                u = back(digits[:i] + d + digits[i + 1:])
                if u is not None:
                    yield "digit", u
        u = back(digits[:i] + digits[i + 1:])  # a digit typed twice or added
        if u is not None:
            yield "digit", u
    for i in range(len(digits) + 1):  # a digit dropped
        for d in "0123456789":
            u = back(digits[:i] + d + digits[i:])
            if u is not None:
                yield "digit", u


def _pairs(group, by_cell, cells, decimals) -> tuple[Explanation, ...]:
    """Two cells that together explain every failing check of the problem — only when exactly one pair does."""
    involved = sorted({_key(c.cell) for r in group for c in r.coefs})
    if len(involved) > _MAX_PAIR_CELLS:
        involved = sorted(involved, key=lambda k: -sum(1 for r in group if _coef(r, k)))[:_MAX_PAIR_CELLS]
    found = []
    for a, b in combinations(involved, 2):
        if not all(_coef(r, a) or _coef(r, b) for r in group):
            continue
        rels = list({id(r): r for r in by_cell[a] + by_cell[b]}.values())
        if _pair_feasible(a, b, rels):
            found.append((a, b))
            if len(found) > 1:
                return ()
    if not found:
        return ()
    a, b = found[0]
    out = []
    for k, other in ((a, b), (b, a)):
        own = [r for r in group if _coef(r, k) and not _coef(r, other)]
        interval = _feasible(k, [r for r in by_cell[k] if not _coef(r, other)])
        if own and interval is not None:
            out.append(_explain(cells[k], decimals[k], interval, own, k))
        else:
            out.append(Explanation(cells[k], None))
    return tuple(out)


def _pair_feasible(a: Key, b: Key, rels: list[Relation]) -> bool:
    """Is there (δa, δb) satisfying every relation? Fourier–Motzkin elimination of δb."""
    cons: list[tuple[Decimal, Decimal, Decimal]] = []  # ca·δa + cb·δb ≤ r
    for rel in rels:
        ca, cb = _coef(rel, a), _coef(rel, b)
        if ca == 0 and cb == 0:
            continue
        if rel.op in ("=", "<="):
            cons.append((ca, cb, rel.tol - rel.diff))
        if rel.op in ("=", ">="):
            cons.append((-ca, -cb, rel.tol + rel.diff))
    lo, hi = -INF, INF
    pos = [c for c in cons if c[1] > 0]
    neg = [c for c in cons if c[1] < 0]
    only_a = [c for c in cons if c[1] == 0]
    for p in pos:
        for n in neg:
            # combine to eliminate δb: (p·|nb| + n·pb)
            ca = p[0] * -n[1] + n[0] * p[1]
            r = p[2] * -n[1] + n[2] * p[1]
            only_a.append((ca, Decimal(0), r))
    for ca, _, r in only_a:
        if ca > 0:
            hi = min(hi, r / ca)
        elif ca < 0:
            lo = max(lo, r / ca)
        elif r < 0:
            return False
    return lo <= hi


def apply(findings: list[Finding], diagnoses: list[Diagnosis]) -> list[Finding]:
    """One problem, many symptoms: the failing findings a diagnosis explains are grouped under one primary
    finding whose cell is the located cell and whose suggestion names the probable value."""
    replaced: dict[int, Finding] = {}
    for d in diagnoses:
        if len(d.findings) < 1:
            continue
        if len(d.located) == 2:
            groups = []
            rest = list(d.findings)
            for ex in d.located:
                mine = [f for f in rest if any((c.sheet, c.cell) == (ex.cell.sheet, ex.cell.a1) for c in f.cells)]
                rest = [f for f in rest if f not in mine]
                groups.append((ex, mine))
            if rest:
                groups[0][1].extend(rest)
            for ex, mine in groups:
                _group(replaced, mine, ex, ())
        elif len(d.located) == 1:
            _group(replaced, list(d.findings), d.located[0], ())
        elif d.candidates or len(d.findings) > 1:
            _group(replaced, list(d.findings), None, d.candidates)
    return [replaced.get(id(f), f) for f in findings]


def _group(replaced: dict[int, Finding], members: list[Finding], ex: Explanation | None, candidates) -> None:
    if not members:
        return
    if ex is not None:
        k = (ex.cell.sheet, ex.cell.a1)
        holders = [f for f in members if any((c.sheet, c.cell) == k for c in f.cells)] or members
        # the finding that already points at the located cell reads best as the primary one
        primary = min(holders, key=lambda f: ((f.sheet, f.cell) != k, len(f.cells), -f.severity.rank))
    else:
        primary = min(members, key=lambda f: (len(f.cells), -f.severity.rank))
    others = [f for f in members if f is not primary]
    note = _note(ex, candidates, len(members))
    new_primary = replace(
        primary,
        sheet=ex.cell.sheet if ex else primary.sheet,
        cell=ex.cell.a1 if ex else primary.cell,
        suggestion=ex.suggestion if ex else None,
        candidates=tuple(c.suggestion for c in candidates if c.suggestion),
        consequences=tuple(f.id for f in others),
        diagnosis=note,
    )
    replaced[id(primary)] = new_primary
    for f in others:
        replaced[id(f)] = replace(f, explained_by=new_primary.id)


def _note(ex: Explanation | None, candidates, n: int) -> str:
    tail = f"（1 个问题，{n} 项检查不符）" if n > 1 else ""
    if ex is None:
        if not candidates:
            return f"无法确定是哪个单元格出错{tail}"
        where = "、".join(f"{c.cell.sheet}!{c.cell.a1}" for c in candidates[:6])
        return f"无法确定是哪个单元格出错，可能是：{where}{tail}"
    cell = ex.cell
    shown = fmt(cell.value, max(cell.decimals, 2)) if cell.value is not None else "（空白）"
    if ex.suggestion is None:
        return f"最可能的错误：{cell.sheet}!{cell.a1} {shown}{tail}"
    value = fmt(Decimal(ex.suggestion.value), len(ex.suggestion.value.split(".")[1]) if "." in ex.suggestion.value else 0)
    return f"最可能的错误：{cell.sheet}!{cell.a1} {shown} → {value}（{KIND_ZH[ex.suggestion.kind]}）{tail}"


@dataclass(frozen=True, slots=True)
class RoundingAdvice:
    """舍位平衡: the smallest set of ±0.01 nudges that would make every check exact (advice, never an edit)."""

    adjustments: tuple[Suggestion, ...]  # value = the adjusted figure; kind = "rounding"
    findings: tuple[Finding, ...]  # the rounding findings it settles
    alternatives: int  # other equally small sets that would do as well


def rounding_advice(relations: list[Relation] | RelationLog) -> list[RoundingAdvice]:
    """For each group of checks off only by rounding, the fewest cells to nudge by one or two units of
    the last digit so that every check — including the exact ones — becomes exact."""
    loose = [r for r in judged(relations) if r.finding is not None and r.finding.verdict.value == "rounding"]
    if not loose:
        return []
    by_cell, cells, decimals = _index(_around(relations, loose))
    out = []
    for group in _components(loose):
        exact = [replace(r, tol=Decimal(0)) for r in group]
        common = set.intersection(*({_key(c.cell) for c in r.coefs} for r in exact))
        found = []
        for k in sorted(common, key=lambda k: (len(by_cell[k]), k)):
            rels = [replace(r, tol=Decimal(0)) for r in by_cell[k]]
            iv = _feasible(k, rels)
            if iv is None or iv[0] != iv[1] or cells[k].value is None:
                continue
            step = Decimal(1).scaleb(-decimals[k])
            delta = iv[0]
            if delta != 0 and abs(delta) <= 2 * step and (delta / step) == (delta / step).to_integral_value():
                value = cells[k].amount + delta
                found.append(Suggestion(cells[k].sheet, cells[k].a1, f"{value:.{decimals[k]}f}", "rounding"))
        if found:
            out.append(RoundingAdvice((found[0],), tuple(r.finding for r in group), len(found) - 1))
    return out


def apply_rounding_advice(findings: list[Finding], advice: list[RoundingAdvice]) -> list[Finding]:
    """Attach each 舍位平衡 proposal to the rounding findings it settles (their suggestion and a note)."""
    replaced: dict[int, Finding] = {}
    for a in advice:
        adj = a.adjustments[0]
        others = f"（另有 {a.alternatives} 种同样小的调整）" if a.alternatives else ""
        note = f"舍位平衡建议：{adj.sheet}!{adj.cell} 调整为 {adj.value}，相关检查即全部精确相等{others}"
        for f in a.findings:
            replaced[id(f)] = replace(f, suggestion=adj, diagnosis=note)
    return [replaced.get(id(f), f) for f in findings]
