"""The audit pipeline, one pure pass per stage: read → recognise → check → report.

`audit_paths` is the library entry point; it never prints or exits. Bad input becomes a FileResult with
an error (the other files are still audited); a bad rules file raises RulesError before any file is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from qidong_audit import diagnose
from qidong_audit.io import ReadError, read_workbook
from qidong_audit.io.workbook import WORKBOOK_SUFFIXES
from qidong_audit.model import FileResult, Finding, Report, Severity, Verdict
from qidong_audit.numbers import RoundingPolicy
from qidong_audit.recognise import recognise
from qidong_audit.recognise.spec import load_tables
from qidong_audit.rules.engine import run_pack
from qidong_audit.rules.index import build_indexes
from qidong_audit.rules.pack import RulePack, builtin_pack, load_pack
from qidong_audit.rules.relation import Relation

SAMPLE_NAME = "祁东县行政审批服务局2021年度部门决算公开表.xlsx"


@dataclass(frozen=True, slots=True)
class AuditOptions:
    rounding: str = "interval"  # "interval" | "exact"
    year: int | None = None  # the budget year, selecting the classification catalogue (default: from the titles)
    tolerance: Decimal | None = None  # a fixed tolerance in each table's unit (overrides rounding)
    rules_files: tuple[str, ...] = ()
    suggest_rounding: bool = False  # 舍位平衡 advice on findings that only rounding explains

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


def discover(paths: list[str]) -> list[str]:
    """Files as given, and workbooks found (recursively, in a stable order) under folders."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(
                q for q in path.rglob("*")
                if q.is_file() and q.suffix.lower() in WORKBOOK_SUFFIXES and not q.name.startswith(("~$", "."))
            )
            out.extend(str(q) for q in found)
        else:
            out.append(p)
    return out


def _read(path: str):
    """Read and recognise one file: (FileResult, Recognised | None)."""
    try:
        raw = read_workbook(path)
    except ReadError as exc:
        return FileResult(path, str(exc)), None
    rec = recognise(raw, load_tables())
    if not rec.tables:
        names = "、".join(s.name for s in raw.sheets) or "（无工作表）"
        return FileResult(path, f"未识别出任何部门决算公开表（工作表：{names}）", (), rec.unrecognised), None
    return FileResult(path, None, rec.tables, rec.unrecognised, rec.department, rec.year), rec


def inspect_file(path: str) -> FileResult:
    return _read(path)[0]


def audit_file(path: str, pack: RulePack, policy: RoundingPolicy, year: int | None = None,
               suggest_rounding: bool = False) -> tuple[FileResult, list[Finding]]:
    tables = load_tables()
    result, rec = _read(path)
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

    catalog = load_catalog(year or rec.year)
    relations: list[Relation] = []
    findings.extend(run_pack(pack, indexes, tables, policy, path, catalog, relations))
    findings = diagnose.apply(findings, diagnose.diagnose(relations))
    if suggest_rounding:
        findings = diagnose.apply_rounding_advice(findings, diagnose.rounding_advice(relations))
    return result, findings


def audit_paths(paths: list[str], options: AuditOptions | None = None) -> Report:
    options = options or AuditOptions()
    pack = load_rules(options)
    policy = options.policy
    files: list[FileResult] = []
    findings: list[Finding] = []
    for path in discover(paths):
        result, found = audit_file(path, pack, policy, options.year, options.suggest_rounding)
        files.append(result)
        findings.extend(found)
    findings.sort(key=_order)
    mode = policy.mode
    return Report(tuple(files), tuple(findings), mode, options.tolerance)


def _order(f: Finding):

    row, col = _a1_key(f.cell)
    return (f.file, f.table_id or "~", -f.severity.rank, f.sheet or "", row, col, f.rule, f.anchor)


def _a1_key(ref: str | None) -> tuple[int, int]:
    if not ref:
        return (0, 0)
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    col = 0
    for ch in letters:
        col = col * 26 + (ord(ch.upper()) - 64)
    return (int(digits or 0), col)
