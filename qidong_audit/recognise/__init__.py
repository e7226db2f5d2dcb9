"""Recognise the standard tables in a raw workbook, by their titles and labels — never by sheet name or
position — and normalise them into Tables of keyed rows and amount cells."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from qidong_audit.address import a1
from qidong_audit.io import RawWorkbook
from qidong_audit.model import Column, Finding, Severity, Table, Verdict
from qidong_audit.recognise.amounts import Amounts
from qidong_audit.recognise.blocks import department_of, find_blocks, unit_of, year_of
from qidong_audit.recognise.grid import lines_of
from qidong_audit.recognise.layout import analyse, build_rows
from qidong_audit.recognise.spec import TableSet, all_tables
from qidong_audit.recognise.text import text_cache

# Published precision by unit: 万元 tables print 0.01; 元 tables print whole 元 or 分.
_UNIT_DECIMALS = {"万元": 2, "亿元": 4, "千元": 2, "元": 2}


@dataclass(frozen=True, slots=True)
class Recognised:
    tables: tuple[Table, ...]
    unrecognised: tuple[str, ...]
    findings: tuple[Finding, ...]
    department: str | None
    year: int | None


def recognise(raw: RawWorkbook, tables: TableSet | None = None) -> Recognised:
    """Every standard table in the workbook; by default against every pack (决算 and 预算 titles)."""
    tables = tables or all_tables()
    out: list[Table] = []
    findings: list[Finding] = []
    unrecognised: list[str] = []
    department = year = None
    amounts = Amounts()  # per workbook: its figures recur across its tables
    for sheet in raw.sheets:
        blocks = find_blocks(sheet, tables, lines_of(sheet.rows))
        if not blocks:
            if any(v is not None for row in sheet.rows for v in row):
                unrecognised.append(sheet.name)
            continue
        for block in blocks:
            lead = [v for row in sheet.rows[block.title_row:min(block.end, block.title_row + 8)] for v in row if isinstance(v, str)]
            year = year or year_of([block.printed_title] + lead[:4])
            dept = department_of(lead)
            department = department or dept
            table, issues = _table(raw.path, block, tables, lead, dept, year, amounts)
            out.append(table)
            findings.extend(issues)
            if sheet.hidden:
                findings.append(_finding(raw.path, "QA.hidden-sheet", Severity.WARNING,
                                         f"{table.title} 所在的工作表「{sheet.name}」被隐藏：公开的文件中读者看不到这张表",
                                         sheet.name, table.range.split(":")[0], table.table_id, f"hidden-sheet|{sheet.name}"))
    return Recognised(tuple(out), tuple(unrecognised), tuple(findings), department, year)


def _class_lookup(year: int | None):
    try:
        from qidong_audit.catalog import load_catalog
    except ImportError:  # pragma: no cover - the catalogue ships with the package
        return None
    return _class_codes(load_catalog(year))


@lru_cache(maxsize=16)
def _class_codes(catalog) -> Callable[[str], str | None]:
    """The 类 code a name stands for in this catalogue; each name is looked up once (a catalogue is built once
    per year and never changes, and the same 类 names recur in every file)."""

    @text_cache(maxsize=4096)
    def lookup(name: str) -> str | None:
        hits = [s for s in catalog.functional_by_name(name) if s.level == "类"]
        return hits[0].code if len(hits) == 1 else None

    return lookup


def _table(path: str, block, tables: TableSet, lead: list[str], dept: str | None, year: int | None, amounts: Amounts):
    spec = block.spec
    sheet = block.sheet
    tables = tables.own(spec)  # labels are read with the aliases of the table's own pack
    sheet_name = sheet.row_labels[block.title_row] if sheet.row_labels else sheet.name  # a PDF's page
    layout = analyse(block, spec, tables)
    rows, bad, cells, unknown = build_rows(block, spec, layout, tables, _class_lookup(year), amounts)
    unit = unit_of(lead)
    issues: list[Finding] = []
    decimals = _precision(unit, cells)
    leaf_row = layout.label_rows[-1] if layout.label_rows else block.title_row
    columns = tuple(
        Column(c.key, c.printed, c.col, a1(leaf_row, c.col), layout.panel_names[c.panel])
        for c in layout.columns
        if c.role == "amount"
    )
    width = max((c.col for c in layout.columns if c.role != "none"), default=0)
    table = Table(
        table_id=spec.table_id,
        title=spec.title,
        printed_title=block.printed_title,
        sheet=sheet_name,
        unit=unit or "万元",
        unit_known=unit is not None,
        decimals=decimals,
        range=f"{a1(block.title_row, 0)}:{a1(layout.end_row, width)}",
        header_rows=tuple(r + 1 for r in layout.header_rows),
        columns=columns,
        rows=tuple(rows),
        department=dept,
        code_system=spec.code_system,
        empty_note=layout.note if layout.note and ("无数据" in layout.note or "为空" in layout.note) else None,
        code_layout=_code_layout(layout),
    )
    where = f"{spec.title}（工作表「{sheet_name}」）"
    if unit is None:
        issues.append(_finding(path, "QA.unit-missing", Severity.INFO, f"{where} 未找到金额单位行，按万元处理", sheet_name, a1(block.title_row, 0), spec.table_id, "unit"))
    if not columns:
        issues.append(_finding(path, "QA.no-columns", Severity.WARNING, f"{where} 未能识别金额列（表头无法识别），本表不参与检查", sheet_name, a1(block.title_row, 0), spec.table_id, "columns"))
    for cell in bad:
        issues.append(
            _finding(path, "QA.bad-amount", Severity.ERROR, f"{where} {cell.a1} 的内容「{cell.text}」不是金额", sheet_name, cell.a1, spec.table_id, cell.a1, cell.text)
        )
    for cell in cells:
        shown = cell.shown if cell.shown is not None else decimals
        if cell.decimals > shown:
            issues.append(
                _finding(
                    path,
                    "QA.hidden-precision",
                    Severity.WARNING,
                    f"{where} {cell.a1} 的值 {cell.text} 有 {cell.decimals} 位小数，而只显示 {shown} 位（隐藏精度，打印的数字可能对不上合计）",
                    sheet_name,
                    cell.a1,
                    spec.table_id,
                    cell.a1,
                    cell.text,
                )
            )
    for cell in unknown:
        if cell.unknown == "公式无缓存值":
            text = f"{where} {cell.a1} 是公式但文件中没有计算结果（未在 Excel/WPS 中重新计算保存），其值未知，依赖它的检查无法进行"
            severity = Severity.WARNING
        else:
            text = f"{where} {cell.a1} 是错误值 {cell.unknown}，其值未知，依赖它的检查无法进行"
            severity = Severity.ERROR
        issues.append(_finding(path, "QA.unknown-value", severity, text, sheet_name, cell.a1, spec.table_id, cell.a1, cell.unknown))
    hidden = sheet.meta.hidden_rows if sheet.meta else set()
    for row in rows if hidden else ():
        if row.row in hidden and any(c.value is not None for c in row.cells.values()):
            first = next(iter(row.cells.values()))
            issues.append(
                _finding(path, "QA.hidden-row", Severity.WARNING,
                         f"{where} 第{row.row + 1}行「{row.display}」被隐藏，但它的金额参与合计；请确认打印件中是否缺少这一行",
                         sheet_name, first.a1, spec.table_id, f"hidden|{row.code or row.key}")
            )
    return table, issues


def _code_layout(layout) -> str:
    roles = {c.role for c in layout.columns}
    split = [r[-1] for r in ("code类", "code款", "code项") if r in roles]
    if split:
        return "|".join(split)
    return "单列" if "code" in roles else ""


def _precision(unit: str | None, cells) -> int:
    """The decimals a table publishes: what its number formats show (most common), else by unit:
    万元 tables print 0.01; 元 tables print whole 元 or 分, whichever their amounts use."""
    shown = [c.shown for c in cells if c.shown is not None]
    if shown:
        return max(set(shown), key=shown.count)
    if unit == "元":
        return min(2, max((c.decimals for c in cells), default=0))
    return _UNIT_DECIMALS.get(unit or "万元", 2)


def _finding(path, rule, severity, message, sheet, cell, table_id, anchor, value=None) -> Finding:
    from qidong_audit.model import CellRef

    return Finding(
        rule=rule,
        severity=severity,
        verdict=Verdict.INVALID,
        message=message,
        file=path,
        sheet=sheet,
        cell=cell,
        cells=(CellRef(sheet, cell, value, "cell"),),
        table_id=table_id,
        anchor=anchor,
    )
