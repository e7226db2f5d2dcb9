"""A blank standard workbook for a year (`qidong-audit template`): every 决算 or 预算 table on its own sheet with its
title, unit line, header and the 类 rows of that year's classification catalogue, ready to fill in.

`build` lays the workbook out (pure: every amount cell's address and, for a total, the cells it adds up); `write`
draws it with openpyxl (imported only then). With formulas, each total is a SUM formula and its cached value is
written too — computed from the values given (zero in a blank template) — so `check` reads a number, not an
unknown; Excel and WPS recalculate on opening (fullCalcOnLoad) and store the new totals when the file is saved.
A script that fills a formula template through openpyxl drops those cached values: open and save it in Excel/WPS,
or pass the figures to `write(values=…)`.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from qidong_audit.address import column_letters, column_number

Key = tuple[str, str, str]  # (table id, row key, column key), as in packs/*/tables.toml
KINDS = {"决算": "final", "预算": "budget"}


@dataclass(frozen=True, slots=True)
class Slot:
    """One amount cell: its key, its place, and — for a total — the cells it adds up (sign, key)."""

    key: Key
    sheet: str
    a1: str
    terms: tuple[tuple[int, Key], ...] = ()


@dataclass
class Sheet:
    name: str
    title: str
    label: str | None
    unit: str
    header: list[str]  # one slash path per column; neighbours sharing a prefix share a merged cell
    rows: list[list]  # entries: text, None, or a Key (an amount cell)
    depth: int = 0  # header rows


@dataclass
class Template:
    year: int
    kind: str  # "决算" | "预算"
    department: str | None
    sheets: list[Sheet] = field(default_factory=list)
    slots: dict[Key, Slot] = field(default_factory=dict)

    def evaluate(self, values: dict[Key, Decimal] | None = None) -> dict[Key, Decimal]:
        """Every cell's value: the given inputs (missing ones are zero) and each total computed from its terms."""
        values = values or {}
        out: dict[Key, Decimal] = {}

        def value(key: Key) -> Decimal:
            if key not in out:
                slot = self.slots[key]
                out[key] = sum((s * value(k) for s, k in slot.terms), Decimal(0)) if slot.terms \
                    else Decimal(values.get(key) or 0)
            return out[key]

        for key in self.slots:
            value(key)
        return out


# ── Layout ──────────────────────────────────────────────────────────────────────────────────────────────────
_TITLE_ROW, _LABEL_ROW, _UNIT_ROW, _HEADER_ROW = 1, 2, 3, 4
_FUNDS = ("一般公共预算财政拨款", "政府性基金预算财政拨款", "国有资本经营预算财政拨款")
_FUND_OF = {"JS05": "一般公共预算", "JS08": "政府性基金", "JS09": "国有资本经营",
            "YS05": "一般公共预算", "YS08": "政府性基金", "YS09": "国有资本经营"}
_ORDINALS = "一二三四五六七八九"


def _ordinal(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("" if not tens else ("十" if tens == 1 else _ORDINALS[tens - 1] + "十")) + (_ORDINALS[ones - 1] if ones else "")


def build(year: int, kind: str, department: str | None = None) -> Template:
    """The layout of a `kind` ("决算" | "预算") workbook for `year`: sheets, amount cells, totals."""
    from qidong_audit.catalog import load_catalog
    from qidong_audit.recognise.spec import load_tables

    if kind not in KINDS:
        raise ValueError(f"kind must be 决算 or 预算, not {kind!r}")
    catalog = load_catalog(year)
    titles = {t.table_id: t.title for t in load_tables(KINDS[kind]).tables}
    t = Template(year, kind, department)
    final = kind == "决算"
    tables = _final_tables(catalog) if final else _budget_tables(catalog)
    for n, (table_id, (header, rows, totals)) in enumerate(tables.items(), 1):
        title = "国有资本经营预算财政拨款收入支出决算表" if table_id == "JS09" else titles[table_id]
        sheet = Sheet(title, f"{year}年度{title}" if final else f"{year}年{title}",
                      f"公开{n:02d}表" if final else f"表{n}", "金额单位：万元", header, rows)
        sheet.depth = max(p.count("/") + 1 for p in header)
        t.sheets.append(sheet)
        first = _HEADER_ROW + sheet.depth
        for r, entries in enumerate(rows):
            for c, entry in enumerate(entries):
                if isinstance(entry, tuple):
                    t.slots[entry] = Slot(entry, title, f"{column_letters(c)}{first + r}")
        for key, terms in totals.items():
            t.slots[key] = Slot(key, title, t.slots[key].a1, tuple(terms))
    return t


def _classes(catalog, table_id: str | None = None) -> list[tuple[str, str]]:
    """The 功能分类 类 of the catalogue's year; for a fund's table only the 类 that fund may hold."""
    fund = _FUND_OF.get(table_id or "")
    return [(s.code, s.name) for s in catalog.functional_subjects()
            if s.level == "类" and (fund is None or catalog.fund_of(s.code) in (fund, None))]


def _sum(keys) -> list[tuple[int, Key]]:
    return [(1, k) for k in keys]


def _summary(tid: str, column: str, income: list[tuple[str, str]], income_bottom: list[tuple[str, str]],
             expense_columns: list[tuple[str, str]], classes, expense_bottom: list[tuple[str, str] | None],
             sums: dict[str, list[str]], sub_rows: tuple[str, list[str]] | None = None):
    """收入 | 支出 panels (JS01, JS04, YS01, YS04): printed labels with canonical keys; `sums` gives each total as the
    keys it adds (a key "@类" stands for every 类 row); `sub_rows` = (the line whose fund rows follow it, funds)."""
    left = [[f"{_ordinal(i)}、{label}", (tid, f"收入:{key}", column)] for i, (label, key) in enumerate(income, 1)]
    bottom = [[label, (tid, f"收入:{key}", column)] for label, key in income_bottom]
    if sub_rows is not None:
        head, funds = sub_rows
        at = next(i for i, (_, key) in enumerate(income_bottom) if key == head) + 1
        bottom[at:at] = [[f"  {fund}", (tid, f"收入:{head}/{fund}", column)] for fund in funds]
    right_rows = [f"支出:{code}" for code, _ in classes]
    right = [[f"{_ordinal(i)}、{name}", *((tid, row, c) for _, c in expense_columns)]
             for i, ((code, name), row) in enumerate(zip(classes, right_rows), 1)]
    right_bottom = [None if line is None else [line[0], *((tid, f"支出:{line[1]}", c) for _, c in expense_columns)]
                    for line in expense_bottom]
    height = max(len(left), len(right))
    width = 1 + len(expense_columns)
    lines = []
    for a, b in zip(left + [None] * (height - len(left)) + bottom, right + [None] * (height - len(right)) + right_bottom):
        lines.append((a or [None, None]) + (b or [None] * width))
    header = ["收入/项目", f"收入/{column}", "支出/项目", *(f"支出/{h}" for h, _ in expense_columns)]
    totals: dict[Key, list] = {}
    for total, parts in sums.items():
        panel = total.split(":", 1)[0]
        for _, col in (expense_columns if panel == "支出" else [(column, column)]):
            keys = []
            for p in parts:
                keys += [(tid, r, col) for r in right_rows] if p == "@类" else [(tid, p, col)]
            totals[(tid, total, col)] = _sum(keys)
    if len(expense_columns) > 1:  # 财政拨款 总表: each 支出 row's 合计 = Σ funds
        for row in right_rows + [f"支出:{line[1]}" for line in expense_bottom if line]:
            totals[(tid, row, "合计")] = _sum((tid, row, f) for f in _FUNDS)
    return header, lines, totals


def _coded(tid: str, catalog, columns: list[tuple[str, str]], rows_sum: dict[str, list[tuple[int, str]]]):
    """科目编码 | 科目名称 | amounts: a 合计 row and the 类 rows; `rows_sum` gives each row's totals (signed columns);
    the 合计 row's other columns add up the 类 rows."""
    classes = _classes(catalog, tid)
    rows = [[None, "合计", *((tid, "合计", key) for _, key in columns)]]
    rows += [[code, name, *((tid, code, key) for _, key in columns)] for code, name in classes]
    totals: dict[Key, list] = {}
    for row in ["合计"] + [code for code, _ in classes]:
        for total, parts in rows_sum.items():
            totals[(tid, row, total)] = [(s, (tid, row, k)) for s, k in parts]
    for _, key in columns:
        if key not in rows_sum:
            totals[(tid, "合计", key)] = _sum((tid, code, key) for code, _ in classes)
    return ["项目/科目编码", "项目/科目名称", *(head for head, _ in columns)], rows, totals


def _economic(catalog, groups: tuple[str, ...] = ("301", "302", "303", "310")) -> list[tuple[str, str, str]]:
    """基本支出's 经济分类 类 and 款 (code, name, 人员经费 | 公用经费), in code order."""
    return [(s.code, s.name, s.group or "公用经费") for s in catalog.economic_subjects() if s.code[:3] in groups]


def _three_public(tid: str, kinds: list[tuple[str, str]]):
    """One row: per kind (printed, key) 合计 | 因公出国（境）费 | 公务用车购置及运行维护费 (小计 | 购置费 | 运行维护费) | 公务接待费."""
    items = [("合计", "合计"), ("因公出国（境）费", "因公出国(境)费"), ("公务用车购置及运行维护费/小计", "公务用车购置及运行维护费"),
             ("公务用车购置及运行维护费/公务用车购置费", "公务用车购置费"), ("公务用车购置及运行维护费/公务用车运行维护费", "公务用车运行维护费"),
             ("公务接待费", "公务接待费")]
    header = [f"{printed}/{path}" for printed, _ in kinds for path, _ in items]
    row = [(tid, "", f"{key}/{item}") for _, key in kinds for _, item in items]
    totals = {}
    for _, k in kinds:
        totals[(tid, "", f"{k}/合计")] = _sum((tid, "", f"{k}/{i}") for i in ("因公出国(境)费", "公务用车购置及运行维护费", "公务接待费"))
        totals[(tid, "", f"{k}/公务用车购置及运行维护费")] = _sum((tid, "", f"{k}/{i}") for i in ("公务用车购置费", "公务用车运行维护费"))
    return header, [row], totals


def _final_tables(catalog) -> dict:
    classes = _classes(catalog)
    income = [(f"{f}收入", f) for f in _FUNDS] + [(x, x) for x in ("上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")]
    opening = "年初财政拨款结转和结余"
    econ = _economic(catalog)
    left = [(c, n) for c, n, g in econ if g == "人员经费"]
    right = [(c, n) for c, n, g in econ if g == "公用经费"]
    js06 = [[*(a if a else (None, None)), ("JS06", a[0], "决算数") if a else None,
             *(b if b else (None, None)), ("JS06", b[0], "决算数") if b else None]
            for a, b in _zip_longest(left, right)]
    js06.append([None, "人员经费合计", ("JS06", "人员经费合计", "决算数"), None, "公用经费合计", ("JS06", "公用经费合计", "决算数")])
    js06_totals = {("JS06", c, "决算数"): _sum(("JS06", k, "决算数") for k, _, _ in econ if len(k) == 5 and k[:3] == c)
                   for c, _, _ in econ if len(c) == 3}
    js06_totals[("JS06", "人员经费合计", "决算数")] = _sum(("JS06", c, "决算数") for c, _, g in econ if len(c) == 3 and g == "人员经费")
    js06_totals[("JS06", "公用经费合计", "决算数")] = _sum(("JS06", c, "决算数") for c, _, g in econ if len(c) == 3 and g == "公用经费")
    header06 = [f"{g}/{h}" for g in ("人员经费", "公用经费") for h in ("科目编码", "科目名称", "决算数")]
    fund_columns = [("年初结转和结余", "年初结转和结余"), ("本年收入", "本年收入"), ("本年支出/小计", "本年支出"),
                    ("本年支出/基本支出", "基本支出"), ("本年支出/项目支出", "项目支出"), ("年末结转和结余", "年末结转和结余")]
    fund_sums = {"本年支出": [(1, "基本支出"), (1, "项目支出")],
                 "年末结转和结余": [(1, "年初结转和结余"), (1, "本年收入"), (-1, "本年支出")]}
    return {
        "JS01": _summary("JS01", "决算数", income, [(x, x) for x in ("本年收入合计", "使用非财政拨款结余", "年初结转和结余")] + [("总计", "总计")],
                         [("决算数", "决算数")], classes, [("本年支出合计", "本年支出合计"), ("结余分配", "结余分配"),
                                                       ("年末结转和结余", "年末结转和结余"), ("总计", "总计")],
                         {"收入:本年收入合计": [f"收入:{k}" for _, k in income],
                          "收入:总计": ["收入:本年收入合计", "收入:使用非财政拨款结余", "收入:年初结转和结余"],
                          "支出:本年支出合计": ["@类"], "支出:总计": ["支出:本年支出合计", "支出:结余分配", "支出:年末结转和结余"]}),
        "JS02": _coded("JS02", catalog, [(c, c) for c in ("本年收入合计", "财政拨款收入", "上级补助收入", "事业收入", "经营收入",
                                                         "附属单位上缴收入", "其他收入")],
                       {"本年收入合计": [(1, c) for c in ("财政拨款收入", "上级补助收入", "事业收入", "经营收入", "附属单位上缴收入", "其他收入")]}),
        "JS03": _coded("JS03", catalog, [(c, c) for c in ("本年支出合计", "基本支出", "项目支出", "上缴上级支出", "经营支出",
                                                         "对附属单位补助支出")],
                       {"本年支出合计": [(1, c) for c in ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")]}),
        "JS04": _summary("JS04", "决算数", [(f, f) for f in _FUNDS], [("本年收入合计", "本年收入合计"), (opening, opening), ("总计", "总计")],
                         [("合计", "合计")] + [(f, f) for f in _FUNDS], _classes(catalog),
                         [("本年支出合计", "本年支出合计"), ("年末财政拨款结转和结余", "年末财政拨款结转和结余"), None, None, None, ("总计", "总计")],
                         {"收入:本年收入合计": [f"收入:{f}" for f in _FUNDS], f"收入:{opening}": [f"收入:{opening}/{f}" for f in _FUNDS],
                          "收入:总计": ["收入:本年收入合计", f"收入:{opening}"], "支出:本年支出合计": ["@类"],
                          "支出:总计": ["支出:本年支出合计", "支出:年末财政拨款结转和结余"]}, (opening, list(_FUNDS))),
        "JS05": _coded("JS05", catalog, [(c, c) for c in ("合计", "基本支出", "项目支出")], {"合计": [(1, "基本支出"), (1, "项目支出")]}),
        "JS06": (header06, js06, js06_totals),
        "JS07": _three_public("JS07", [("预算数", "预算数"), ("决算数", "决算数")]),
        "JS08": _coded("JS08", catalog, fund_columns, fund_sums),
        "JS09": _coded("JS09", catalog, fund_columns, fund_sums),
    }


def _budget_tables(catalog) -> dict:
    classes = _classes(catalog)
    lines = [("一般公共预算拨款收入", _FUNDS[0]), ("政府性基金预算拨款收入", _FUNDS[1]), ("国有资本经营预算拨款收入", _FUNDS[2]),
             ("财政专户管理资金收入", "财政专户管理资金"), ("事业收入", "事业收入"), ("事业单位经营收入", "经营收入"),
             ("上级补助收入", "上级补助收入"), ("附属单位上缴收入", "附属单位上缴收入"), ("其他收入", "其他收入")]
    econ = _economic(catalog)
    ys06_rows = [[None, "合计", *(("YS06", "合计", c) for c in ("合计", "人员经费", "公用经费"))]]
    ys06_rows += [[code, name, *(("YS06", code, c) for c in ("合计", "人员经费", "公用经费"))] for code, name, _ in econ]
    ys06 = {("YS06", row, "合计"): _sum(("YS06", row, c) for c in ("人员经费", "公用经费")) for row in ["合计"] + [c for c, _, _ in econ]}
    for column in ("人员经费", "公用经费"):
        for code, _, _ in econ:
            if len(code) == 3:
                ys06[("YS06", code, column)] = _sum(("YS06", k, column) for k, _, _ in econ if len(k) == 5 and k[:3] == code)
        ys06[("YS06", "合计", column)] = _sum(("YS06", c, column) for c, _, _ in econ if len(c) == 3)
    basic = {"合计": [(1, "基本支出"), (1, "项目支出")]}
    return {
        "YS01": _summary("YS01", "预算数", lines, [("本年收入合计", "本年收入合计"), ("使用非财政拨款结余", "使用非财政拨款结余"),
                                                ("上年结转", "上年结转"), ("收入总计", "总计")],
                         [("预算数", "预算数")], classes, [("本年支出合计", "本年支出合计"), ("结转下年", "结转下年"), None, ("支出总计", "总计")],
                         {"收入:本年收入合计": [f"收入:{k}" for _, k in lines],
                          "收入:总计": ["收入:本年收入合计", "收入:使用非财政拨款结余", "收入:上年结转"],
                          "支出:本年支出合计": ["@类"], "支出:总计": ["支出:本年支出合计", "支出:结转下年"]}),
        "YS02": _coded("YS02", catalog, [("合计", "合计"), ("上年结转", "上年结转"), *((p, k) for p, k in lines),
                                         ("使用非财政拨款结余", "使用非财政拨款结余")],
                       {"合计": [(1, "上年结转"), *((1, k) for _, k in lines), (1, "使用非财政拨款结余")]}),
        "YS03": _coded("YS03", catalog, [("合计", "合计"), ("基本支出", "基本支出"), ("项目支出", "项目支出"), ("上缴上级支出", "上缴上级支出"),
                                         ("事业单位经营支出", "经营支出"), ("对附属单位补助支出", "对附属单位补助支出")],
                       {"合计": [(1, k) for k in ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")]}),
        "YS04": _summary("YS04", "预算数", [(label, key) for label, key in lines[:3]],
                         [("本年收入合计", "本年收入合计"), ("上年结转", "上年结转"), ("收入总计", "总计")],
                         [("合计", "合计")] + [(f, f) for f in _FUNDS], classes,
                         [("本年支出合计", "本年支出合计"), ("结转下年", "结转下年"), None, None, None, ("支出总计", "总计")],
                         {"收入:本年收入合计": [f"收入:{f}" for f in _FUNDS], "收入:上年结转": [f"收入:上年结转/{f}" for f in _FUNDS],
                          "收入:总计": ["收入:本年收入合计", "收入:上年结转"], "支出:本年支出合计": ["@类"],
                          "支出:总计": ["支出:本年支出合计", "支出:结转下年"]}, ("上年结转", list(_FUNDS))),
        "YS05": _coded("YS05", catalog, [("合计", "合计"), ("基本支出/小计", "基本支出"), ("基本支出/人员经费", "人员经费"),
                                         ("基本支出/公用经费", "公用经费"), ("项目支出", "项目支出")],
                       {"合计": [(1, "基本支出"), (1, "项目支出")], "基本支出": [(1, "人员经费"), (1, "公用经费")]}),
        "YS06": (["经济分类科目编码", "科目名称", "合计", "人员经费", "公用经费"], ys06_rows, ys06),
        "YS07": _three_public("YS07", [("上年预算数", "上年预算数"), ("本年预算数", "预算数")]),
        "YS08": _coded("YS08", catalog, [("合计", "合计"), ("基本支出", "基本支出"), ("项目支出", "项目支出")], basic),
        "YS09": _coded("YS09", catalog, [("合计", "合计"), ("基本支出", "基本支出"), ("项目支出", "项目支出")], basic),
    }


def _zip_longest(a: list, b: list) -> list[tuple]:
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else None, b[i] if i < len(b) else None) for i in range(n)]


# ── Writing ─────────────────────────────────────────────────────────────────────────────────────────────────
_AMOUNT = "#,##0.00"
_FORMULA_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v></v>)</c>')


def write(path: str | Path, year: int, kind: str, department: str | None = None, with_formulas: bool = False,
          values: dict[Key, Decimal] | None = None) -> Template:
    """Write the workbook for `year` and `kind` to `path` (.xlsx, atomically). `values` (万元, by key) fills the input
    cells; totals are then computed — as formulas with their cached values, or as plain figures."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    t = build(year, kind, department)
    given = values is not None
    computed = t.evaluate(values)
    wb = Workbook()
    wb.remove(wb.active)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    cached: list[dict[str, Decimal]] = []
    for sheet in t.sheets:
        ws = wb.create_sheet(sheet.name)
        width = len(sheet.header)
        ws.cell(_TITLE_ROW, 1, sheet.title).font = Font(bold=True, size=16)
        ws.cell(_TITLE_ROW, 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=_TITLE_ROW, start_column=1, end_row=_TITLE_ROW, end_column=width)
        ws.cell(_LABEL_ROW, width, sheet.label).alignment = Alignment(horizontal="right")
        if department:
            ws.cell(_UNIT_ROW, 1, f"部门：{department}")
        ws.cell(_UNIT_ROW, width, sheet.unit).alignment = Alignment(horizontal="right")
        _header(ws, _HEADER_ROW, sheet.header, Font(bold=True), Alignment(horizontal="center", vertical="center", wrap_text=True))
        formulas: dict[str, Decimal] = {}
        first = _HEADER_ROW + sheet.depth
        for r, entries in enumerate(sheet.rows):
            for c, entry in enumerate(entries):
                cell = ws.cell(first + r, c + 1)
                if isinstance(entry, str):
                    cell.value = entry
                    if entry.isdigit():
                        cell.number_format = "@"  # codes are text: 款/项 suffixes keep their leading zero
                elif isinstance(entry, tuple):
                    slot = t.slots[entry]
                    cell.number_format = _AMOUNT
                    if slot.terms and with_formulas:
                        cell.value = _formula(slot, t)
                        formulas[slot.a1] = computed[entry]
                    elif given and computed[entry]:
                        cell.value = computed[entry]
        for line in ws.iter_rows(min_row=_HEADER_ROW, max_row=first + len(sheet.rows) - 1, max_col=width):
            for cell in line:
                cell.border = border
        for c in range(width):
            ws.column_dimensions[column_letters(c)].width = 36 if c in _label_columns(sheet) else 16
        cached.append(formulas)
    buffer = io.BytesIO()
    wb.save(buffer)
    data = _with_cached_values(buffer.getvalue(), cached) if with_formulas else buffer.getvalue()
    _atomic_write(Path(path), data)
    return t


def _label_columns(sheet: Sheet) -> set[int]:
    return {c for c, head in enumerate(sheet.header) if head.endswith(("项目", "科目名称"))}


def _formula(slot: Slot, t: Template) -> str:
    """=SUM(C6:C9) for a block of one column, =SUM(C6,C9,C12) for scattered cells, =C6+C7-C8 with a minus."""
    refs = [(sign, t.slots[key].a1) for sign, key in slot.terms]
    if not refs:
        return "=0"
    if any(sign < 0 for sign, _ in refs):
        text = "".join(("-" if sign < 0 else "+") + a1 for sign, a1 in refs)
        return "=" + text.lstrip("+")
    cells = [a1 for _, a1 in refs]
    cols = [column_number(re.sub(r"\d", "", a1)) - 1 for a1 in cells]
    rows = [int(re.sub(r"\D", "", a1)) for a1 in cells]
    down = len(set(cols)) == 1 and rows == list(range(rows[0], rows[0] + len(rows)))
    across = len(set(rows)) == 1 and cols == list(range(cols[0], cols[0] + len(cols)))
    if len(cells) > 1 and (down or across):
        return f"=SUM({cells[0]}:{cells[-1]})"
    return f"=SUM({','.join(cells)})"


def _header(ws, top: int, paths: list[str], font, alignment) -> None:
    """Multi-row header from slash paths: neighbours sharing a prefix share a merged cell; a path shorter than the
    header's depth spans down to its last row."""
    parts = [p.split("/") for p in paths]
    depth = max(map(len, parts))
    grid = [p + [p[-1]] * (depth - len(p)) for p in parts]
    for level in range(depth):
        col = 0
        while col < len(grid):
            if level and grid[col][level] == grid[col][level - 1]:
                col += 1
                continue
            end = col
            while end + 1 < len(grid) and grid[end + 1][:level + 1] == grid[col][:level + 1]:
                end += 1
            height = 1
            while level + height < depth and all(grid[c][level + height] == grid[c][level] for c in range(col, end + 1)):
                height += 1
            cell = ws.cell(top + level, col + 1, grid[col][level])
            cell.font, cell.alignment = font, alignment
            if end > col or height > 1:
                ws.merge_cells(start_row=top + level, start_column=col + 1, end_row=top + level + height - 1,
                               end_column=end + 1)
            col = end + 1


def _with_cached_values(data: bytes, cached: list[dict[str, Decimal]]) -> bytes:
    """openpyxl writes formulas with an empty cached value (<v></v>): fill in the value of each, so that readers
    that do not calculate (python-calamine, viewers, `check`) see the totals."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            if m and int(m.group(1)) <= len(cached):
                values = cached[int(m.group(1)) - 1]

                def fill(match: re.Match, values: dict[str, Decimal] = values) -> str:
                    ref, attrs, formula = match.groups()
                    value = values.get(ref)
                    shown = "" if value is None else format(value, "f")
                    return f'<c r="{ref}"{attrs}><f>{formula}</f><v>{shown}</v></c>'

                body = _FORMULA_CELL.sub(fill, body.decode("utf-8")).encode("utf-8")
            target.writestr(info, body)
    return out.getvalue()


def _atomic_write(target: Path, data: bytes) -> None:
    """Temp file in the target's folder, then rename: an interrupted run never leaves half a workbook."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".xlsx", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
