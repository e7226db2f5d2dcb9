"""Annotated copies of audited workbooks (`check --annotate`): error cells filled red, warning cells yellow, a 批注
on each, and a first sheet 审核结果 listing every finding with a link to its cell.

The one place openpyxl writes. It loads the original with formulas kept and saves a copy (temp file + rename), so
formats, merged cells, column widths and formulas come through; the input file is never opened for writing.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from qidong_audit.model import Finding, Report, Severity
from qidong_audit.numbers import fmt
from qidong_audit.render import Context, summary_line

SUMMARY_SHEET = "审核结果"
ANNOTATED = "审核"  # a copy of a.xlsx written into a folder is a.审核.xlsx
FILLS = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C"}  # Excel's own "bad" red and "neutral" yellow
AUTHOR = "qidong-audit"
_SUFFIXES = (".xlsx", ".xlsm")


class AnnotateError(Exception):
    """The copy cannot be written; the message says why in the user's terms."""


def plan(out: Path, workbooks: list[str], protected: list[str]) -> dict[str, Path]:
    """Where each annotated copy goes. OUT ending in .xlsx/.xlsm is the copy of the one workbook audited;
    otherwise OUT is a folder (created if need be) holding <name>.审核.xlsx for each workbook.
    Never a path in `protected` (the inputs and the report file)."""
    if out.suffix.lower() in _SUFFIXES and not out.is_dir():
        if len(workbooks) > 1:
            raise AnnotateError(f"--annotate {out} 是一个文件，但要审核 {len(workbooks)} 个工作簿；请给一个文件夹")
        targets = {workbooks[0]: out} if workbooks else {}
    else:
        if out.exists() and not out.is_dir():
            raise AnnotateError(f"--annotate {out} 已存在且不是文件夹；一个工作簿时请用 .xlsx 文件名，多个时用文件夹")
        targets, used = {}, set()
        for wb in workbooks:
            p = Path(wb)
            stem, n = f"{p.stem}.{ANNOTATED}", 1
            while (name := f"{stem}{'' if n == 1 else f'-{n}'}{_suffix_for(p)}") in used:
                n += 1
            used.add(name)
            targets[wb] = out / name
    guarded = {_resolve(p) for p in protected + workbooks}
    for target in targets.values():
        if _resolve(str(target)) in guarded:
            raise AnnotateError(f"批注副本 {target} 就是输入或报告文件之一，拒绝覆盖")
    return targets


def _resolve(path: str) -> Path:
    try:
        return Path(path).resolve()
    except OSError:
        return Path(path).absolute()


def _suffix_for(path: Path) -> str:
    return ".xlsm" if _has_macros(path) else ".xlsx"


def _has_macros(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return "xl/vbaProject.bin" in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def why_not(path: str) -> str | None:
    """Why this file cannot be annotated (only xlsx/xlsm workbooks can), or None. Sniffs bytes, not the name."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return "只能为 .xlsx/.xlsm 工作簿写批注副本，此文件不是（如为 .xls/.ods，请先在 Excel/WPS 中另存为 .xlsx）"
    if "xl/workbook.xml" not in names:
        kind = "xlsb" if "xl/workbook.bin" in names else ("ods" if "mimetype" in names else "zip")
        return f"只能为 .xlsx/.xlsm 工作簿写批注副本，此文件是 {kind}（请先在 Excel/WPS 中另存为 .xlsx）"
    return None


def write_annotated(source: str, target: Path, findings: list[Finding], ctx: Context, report: Report) -> None:
    """Write the annotated copy of `source` to `target` atomically. Raises AnnotateError."""
    reason = why_not(source)
    if reason:
        raise AnnotateError(reason)
    macros = target.suffix.lower() == ".xlsm"
    if macros and not _has_macros(Path(source)):
        raise AnnotateError(f"工作簿不含宏，批注副本 {target} 应以 .xlsx 结尾")
    try:
        wb = load_workbook(source, keep_vba=macros, keep_links=True, rich_text=True)
    except Exception as exc:  # openpyxl raises many unrelated types for files calamine could read
        raise AnnotateError(f"无法用 openpyxl 打开以写批注：{type(exc).__name__}: {exc}") from None
    links = _mark_cells(wb, findings, ctx)
    _summary_sheet(wb, source, findings, ctx, report, links)
    _save(wb, target)


def _mark_cells(wb, findings: list[Finding], ctx: Context) -> dict[str, str]:
    """Fill and comment each error/warning cell (one comment per cell, several findings joined).
    Returns finding id → link location ('Sheet'!A1) for the cells found in the workbook."""
    per_cell: dict[tuple[str, str], list[Finding]] = {}
    links: dict[str, str] = {}
    for f in findings:
        if not f.sheet or not f.cell or f.sheet not in wb.sheetnames:
            continue
        ws = wb[f.sheet]
        a1 = _top_left(ws, f.cell)
        links[f.id] = f"'{f.sheet.replace(chr(39), chr(39) * 2)}'!{a1}"
        if f.severity in FILLS:
            per_cell.setdefault((f.sheet, a1), []).append(f)
    for (sheet, a1), items in per_cell.items():
        cell = wb[sheet][a1]
        active = [f for f in items if f.waiver is None]
        if active:
            worst = max(active, key=lambda f: f.severity.rank).severity
            cell.fill = PatternFill("solid", start_color=FILLS[worst], end_color=FILLS[worst])
        text = "\n\n".join(_comment_text(f, ctx) for f in items)
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text = f"{cell.comment.text}\n\n— {AUTHOR} —\n{text}"
        comment = Comment(text, AUTHOR)
        comment.width, comment.height = 420, min(600, 40 + 18 * text.count("\n") + 18 * (len(text) // 40))
        cell.comment = comment
    return links


def _top_left(ws, a1: str) -> str:
    """A cell inside a merged range is written to the range's top-left cell (the others cannot hold comments)."""
    for rng in ws.merged_cells.ranges:
        if a1 in rng:
            return f"{get_column_letter(rng.min_col)}{rng.min_row}"
    return a1


def _comment_text(f: Finding, ctx: Context) -> str:
    zh = ctx.lang == "zh"
    lines = [f"[{ctx.label(f)}] {f.rule} {ctx.title(f.rule)}", ctx.detail(f)]
    if f.expected is not None or f.actual is not None:
        if zh:
            lines.append(f"应为：{fmt(f.expected)}　实为：{fmt(f.actual)}" + (f"　差额：{fmt(f.difference)}" if f.difference is not None else ""))
        else:
            lines.append(f"expected: {fmt(f.expected)}  actual: {fmt(f.actual)}" + (f"  difference: {fmt(f.difference)}" if f.difference is not None else ""))
    lines.append(_suggestion(f, ctx) or (f"建议：{ctx.word('none')}" if zh else f"suggestion: {ctx.word('none')}"))
    if f.waiver is not None:
        lines.append(ctx.waiver_note(f))
    lines.append(f"编号：{f.id}" if zh else f"id: {f.id}")
    return "\n".join(lines)


def _suggestion(f: Finding, ctx: Context) -> str:
    s = f.suggestion
    if s is None:
        return ""
    if ctx.lang == "zh":
        return f"建议：{s.sheet}!{s.cell} 改为 {s.value}（{s.kind}）"
    return f"suggestion: {s.sheet}!{s.cell} → {s.value} ({s.kind})"


_COLUMNS = (("#", 5), ("level", 8), ("rule", 18), ("sheet", 22), ("cell", 9), ("message", 70), ("expected", 12),
            ("actual", 12), ("difference", 12), ("suggestion", 28), ("status", 30), ("id", 18))


def _summary_sheet(wb, source: str, findings: list[Finding], ctx: Context, report: Report, links: dict[str, str]) -> None:
    name, n = SUMMARY_SHEET, 1
    while name in wb.sheetnames:
        n += 1
        name = f"{SUMMARY_SHEET}({n})"
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    ws = wb.create_sheet(name, 0)
    wb.active = 0
    ws.sheet_view.tabSelected = True
    counts = {s: sum(1 for f in findings if f.severity is s and f.waiver is None) for s in Severity}
    waived = sum(1 for f in findings if f.waiver is not None)
    if ctx.lang == "zh":
        head = f"{Path(source).name}：{counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个提示，{counts[Severity.INFO]} 条信息"
        head += f"，{waived} 条已豁免" if waived else ""
    else:
        head = f"{Path(source).name}: {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} info"
        head += f", {waived} waived" if waived else ""
    ws["A1"] = head
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = f"{ctx.mode(report)} · {AUTHOR} · {summary_line(report, ctx)}"
    ws["A2"].font = Font(color="666666")
    labels = {"#": "#", "id": "编号" if ctx.lang == "zh" else "ID"}
    for col, (key, width) in enumerate(_COLUMNS, 1):
        cell = ws.cell(row=4, column=col, value=labels.get(key) or ctx.word(key))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
        ws.column_dimensions[get_column_letter(col)].width = width
    if not findings:
        ws.cell(row=5, column=1, value=ctx.word("clean"))
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, f in enumerate(findings, 1):
        row = 4 + i
        values = (i, ctx.label(f), f.rule, f.sheet or "", f.cell or "", ctx.message(f), fmt(f.expected), fmt(f.actual),
                  fmt(f.difference), _suggestion(f, ctx), ctx.waiver_note(f), f.id)
        for col, value in enumerate(values, 1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.alignment = wrap
        if f.waiver is None and f.severity in FILLS:
            ws.cell(row=row, column=2).fill = PatternFill("solid", start_color=FILLS[f.severity], end_color=FILLS[f.severity])
        if f.id in links:
            link = ws.cell(row=row, column=5)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=links[f.id], display=f.cell)
            link.style = "Hyperlink"
    ws.freeze_panes = "A5"
    if findings:
        ws.auto_filter.ref = f"A4:{get_column_letter(len(_COLUMNS))}{4 + len(findings)}"


def _save(wb, target: Path) -> None:
    """Save atomically: a temp file beside the target, then rename over it."""
    target = target.absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise AnnotateError(f"无法写入 {target}：{exc.strerror or exc}") from None
    try:
        wb.save(tmp)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; the copy is an ordinary file
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise AnnotateError(f"无法写入 {target}：{exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
