"""The audit pipeline, one pure pass per stage: read → recognise → check → report.

`audit_paths` is the library entry point; it never prints or exits. Bad input becomes a FileResult with
an error (the other files are still audited); a bad rules file raises RulesError before any file is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path

from qidong_audit import diagnose
from qidong_audit.address import place
from qidong_audit.io import ReadError, read_workbook
from qidong_audit.io.limits import Limits
from qidong_audit.model import FileResult, Finding, Report, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy
from qidong_audit.recognise import recognise
from qidong_audit.recognise.spec import all_tables, load_tables, pack_of
from qidong_audit.rules.engine import run_pack
from qidong_audit.rules.index import build_indexes
from qidong_audit.rules.pack import RulePack, builtin_pack, load_pack
from qidong_audit.rules.relation import RelationLog

SAMPLE_NAME = "祁东县行政审批服务局2021年度部门决算公开表.xlsx"


@dataclass(frozen=True, slots=True)
class AuditOptions:
    rounding: str = "interval"  # "interval" | "exact"
    year: int | None = None  # the budget year, selecting the classification catalogue (default: from the titles)
    tolerance: Decimal | None = None  # a fixed tolerance in each table's unit (overrides rounding)
    rules_files: tuple[str, ...] = ()
    suggest_rounding: bool = False  # 舍位平衡 advice on findings that only rounding explains
    # keep each recognised table whole in the report, its rows and columns (the HTML charts and --cycle need them);
    # a batch keeps each table's outline, which is all its report shows, and sends its parent that much less
    keep_tables: bool = True
    limits: Limits | None = None  # size limits per file; None: the defaults, or QIDONG_AUDIT_* environment variables

    @property
    def policy(self) -> RoundingPolicy:
        if self.tolerance is not None:
            return RoundingPolicy("tolerance", self.tolerance)
        return RoundingPolicy(self.rounding)


def sample_path() -> Path:
    """The bundled sample: inside the installed package, or under fixtures/ in a source checkout."""
    packaged = resources.files("qidong_audit").joinpath("data", "sample.xlsx")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "fixtures" / "sample" / SAMPLE_NAME


def load_rules(options: AuditOptions) -> RulePack:
    pack = builtin_pack()
    for f in options.rules_files:
        pack = pack + load_pack(f)
    return pack


# Folders are searched for workbooks; other files (CSV, HTML, XML) are audited when named or matched by --glob.
FOLDER_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et")


def discover(paths: list[str], glob: str | None = None) -> list[str]:
    """Files as given, and workbooks found (recursively, in a stable order) under folders."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            if glob:
                found = sorted(q for q in path.rglob(glob) if q.is_file() and not q.name.startswith(("~$", ".")))
            else:
                found = sorted(
                    q for q in path.rglob("*")
                    if q.is_file() and q.suffix.lower() in FOLDER_SUFFIXES and not q.name.startswith(("~$", "."))
                )
            out.extend(str(q) for q in found)
        else:
            out.append(p)
    return out


def _read(path: str, limits: Limits | None = None):
    """Read and recognise one file: (FileResult, Recognised | None, the text of a PDF outside its tables)."""
    try:
        raw = read_workbook(path, limits)
    except ReadError as exc:
        return FileResult(path, str(exc)), None, ()
    try:
        rec = recognise(raw, all_tables())
    except Exception as exc:  # a bug met on one file's layout is that file's error, never a traceback
        return FileResult(path, f"内部错误，未能识别表格：{type(exc).__name__}: {exc}"), None, ()
    # Tables in id order (then sheet name and row), whatever the order of the sheets: the first of a duplicated
    # table is the one checked, and files[].tables reads the same when sheets are reordered.
    rec = replace(rec, tables=tuple(sorted(rec.tables, key=_table_order)))
    if not rec.tables:
        names = "、".join(s.name for s in raw.sheets) or "（无工作表）"
        return FileResult(path, f"未识别出任何部门决算或预算公开表（工作表：{names}）", (), rec.unrecognised), None, ()
    return FileResult(path, None, rec.tables, rec.unrecognised, rec.department, rec.year), rec, raw.text_lines


def _table_order(t) -> tuple:
    start = t.range.split(":")[0]
    return (t.table_id, t.sheet, int("".join(ch for ch in start if ch.isdigit()) or 0))


def inspect_file(path: str, limits: Limits | None = None) -> FileResult:
    return _read(path, limits)[0]


def audit_file(path: str, pack: RulePack, options: AuditOptions) -> tuple[FileResult, list[Finding]]:
    tables = load_tables()
    result, rec, text_lines = _read(path, options.limits)
    if rec is None:
        return result, []
    findings = list(rec.findings)
    indexes, dupes = build_indexes(rec.tables, tables)
    for t in dupes:
        first = indexes[t.table_id].table
        findings.append(
            Finding(
                rule="QA.duplicate-table",
                severity=Severity.WARNING,
                verdict=Verdict.INVALID,
                message=f"{t.title} 出现两次（工作表「{first.sheet}」和「{t.sheet}」），只检查第一张",
                file=path,
                sheet=t.sheet,
                cell=t.range.split(":")[0],
                table_id=t.table_id,
                anchor=f"duplicate|{t.sheet}",
            )
        )
    from qidong_audit.catalog import load_catalog

    catalog = load_catalog(options.year or rec.year)
    relations = RelationLog()  # relations of the checks that hold are built only if diagnosis needs them
    # Each rule pack runs on a workbook that holds its tables (JS… 决算 → `pack`, with the user's rules; YS… 预算 →
    # the budget pack), read with that pack's aliases; a 预算 workbook is not told it lacks every 决算 table.
    present = {pack_of(table_id) for table_id in indexes}
    if "final" in present:
        findings.extend(run_pack(pack, indexes, tables, options.policy, path, catalog, relations))
    if "budget" in present:
        findings.extend(run_pack(builtin_pack("budget"), indexes, load_tables("budget"), options.policy, path, catalog,
                                 relations))
    findings = diagnose.apply(findings, diagnose.diagnose(relations))
    if options.suggest_rounding:
        findings = diagnose.apply_rounding_advice(findings, diagnose.rounding_advice(relations))
    if text_lines:
        findings.extend(_check_text(path, text_lines, result, options))
    if not options.keep_tables:
        result = replace(result, tables=tuple(t.outline() for t in result.tables))
    return result, findings


def _check_text(path: str, text_lines, result: FileResult, options: AuditOptions) -> list[Finding]:
    """A published PDF's written part (情况说明), checked against the tables found in the same document."""
    from qidong_audit.claims import check_document
    from qidong_audit.io.documents import from_lines

    pages = [page for page, _ in text_lines]
    found = check_document(from_lines(path, [line for _, line in text_lines]), path, options.policy, result)
    return [replace(f, message=f"{f.message}（第{pages[f.line - 1]}页）") if f.line and f.line <= len(pages) else f
            for f in found]


Progress = Callable[[int, int, str], None]  # (done, total, path just finished)


def audit_paths(paths: list[str], options: AuditOptions | None = None, *, jobs: int = 1, glob: str | None = None,
                progress: Progress | None = None) -> Report:
    """Audit every file (folders searched recursively). With jobs > 1 the files are shared among worker
    processes; the report is the same, in the same order, whatever the number of jobs."""
    options = options or AuditOptions()
    pack = load_rules(options)
    files_in = discover(paths, glob)
    files: list[FileResult] = []
    findings: list[Finding] = []
    for i, (result, found) in enumerate(_results(files_in, pack, options, jobs)):
        files.append(result)
        findings.extend(found)
        if progress is not None:
            progress(i + 1, len(files_in), result.path)
    findings.sort(key=_order)
    return Report(tuple(files), tuple(findings), options.policy.mode, options.tolerance)


def _results(paths: list[str], pack: RulePack, options: AuditOptions, jobs: int):
    """Each file's (FileResult, findings), in the order of `paths`. More than one file: audited in `jobs` long-lived
    worker processes (io/pool.py), each file isolated from the others' crashes without a fork per file."""
    import os

    if len(paths) <= 1 or not hasattr(os, "fork"):
        for path in paths:
            yield _safe_audit(path, pack, options)
        return
    from qidong_audit.io.pool import imap_isolated

    try:
        limits = options.limits or Limits.from_env()
    except ReadError:  # a bad QIDONG_AUDIT_* value: every file reports it when it is read
        limits = Limits()
    _preload_readers()
    yield from imap_isolated(
        lambda path: _safe_audit(path, pack, options), paths, jobs,
        timeout_s=limits.read_timeout_s, max_memory_bytes=limits.max_memory_bytes,
        failed=lambda path, message: (FileResult(path, message), []), overrun=_overrun,
    )


def _overrun(timeout_s: float) -> str:
    """A batch worker's deadline covers the whole audit of its file, not only the read."""
    return (f"审核超时（读取、识别和检查这个文件超过 {timeout_s:g} 秒），文件可能已损坏或过大"
            "（可用环境变量 QIDONG_AUDIT_READ_TIMEOUT_S 调整）")


def _preload_readers() -> None:
    """Import the xlsx reader before the workers fork, so that each does not import it again."""
    import python_calamine  # noqa: F401


def _safe_audit(path: str, pack: RulePack, options: AuditOptions) -> tuple[FileResult, list[Finding]]:
    try:
        return audit_file(path, pack, options)
    except Exception as exc:  # a bug on one file must not take the run down: that file is reported unaudited
        return FileResult(path, f"内部错误，未能审核：{type(exc).__name__}: {exc}"), []


def _order(f: Finding):

    row, col = place(f.cell)
    return (f.file, f.table_id or "~", -f.severity.rank, f.sheet or "", row, col, f.rule, f.anchor)


