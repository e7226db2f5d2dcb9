"""Which findings count: waivers (reviewed findings accepted with a 说明) and --select / --ignore by rule.

Each is a pass over a finished Report that returns a new Report. A bad waivers file raises WaiversError naming
the file, the line and what is wrong (like RulesError for rules files); nothing else escapes.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from qidong_audit import tomlfile
from qidong_audit.model import Finding, Report, Severity, Verdict, Waiver

UNMATCHED = "QA.waiver-unmatched"
_KEYS = ("id", "reason", "by", "date")
_ID = re.compile(r"^[0-9a-f]{16}$")


class WaiversError(Exception):
    def __init__(self, file: str, line: int | None, message: str):
        where = f"{file}:{line}" if line else file
        super().__init__(f"豁免文件 {where}：{message}")
        self.file, self.line, self.detail = file, line, message


def load_waivers(path: str | Path) -> tuple[Waiver, ...]:
    """Read a waivers file:

        [[waiver]]
        id = "3f2a9c0e5b7d1a42"      # the finding's id (JSON `id`)
        reason = "上年数据口径调整，已向财政局说明"
        by = "张三"
        date = 2024-05-01           # or "2024-05-01"
    """
    name = str(path)
    text = tomlfile.read_text(path, WaiversError)
    data = tomlfile.parse(text, name, WaiversError)
    extra = sorted(set(data) - {"waiver"})
    if extra:
        raise WaiversError(name, _line_of_key(text, extra[0]), f"未知的顶层键：{', '.join(extra)}（应只有 [[waiver]] 条目）")
    raw = data.get("waiver", [])
    if not isinstance(raw, list):
        raise WaiversError(name, _line_of_key(text, "waiver"), "「waiver」应是 [[waiver]] 表数组")
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if re.match(r"^\s*\[\[\s*waiver\s*\]\]", ln)]
    out: list[Waiver] = []
    seen: dict[str, int] = {}
    for k, entry in enumerate(raw):
        start = starts[k] if k < len(starts) else 0
        waiver = _waiver(entry, name, lines, start)
        if waiver.id in seen:
            raise WaiversError(name, tomlfile.line_in_block(lines, start, "id"), f"编号「{waiver.id}」重复（第 {seen[waiver.id]} 行已有）")
        seen[waiver.id] = start + 1
        out.append(waiver)
    return tuple(out)


def _waiver(entry: dict, name: str, lines: list[str], start: int) -> Waiver:
    def fail(message: str, key: str | None = None) -> WaiversError:
        return WaiversError(name, tomlfile.line_in_block(lines, start, key), message)

    extra = sorted(set(entry) - set(_KEYS))
    if extra:
        raise fail(f"未知的键：{', '.join(extra)}（可用：{', '.join(_KEYS)}）", extra[0])
    for key in ("id", "reason", "by"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"缺少「{key}」（文字）", key if key in entry else None)
    ident = entry["id"].strip()
    if not _ID.match(ident):
        raise fail(f"id 应是问题编号（JSON 报告中 16 位十六进制的 id），而不是「{ident}」", "id")
    when = entry.get("date")
    if isinstance(when, date) and not hasattr(when, "hour"):
        day = when.isoformat()
    elif isinstance(when, str):
        try:
            day = date.fromisoformat(when.strip()).isoformat()
        except ValueError:
            raise fail(f"date 应是日期，如 2024-05-01，而不是「{when}」", "date") from None
    elif when is None:
        raise fail("缺少「date」（日期，如 2024-05-01）")
    else:
        raise fail(f"date 应是日期，如 2024-05-01，而不是「{when}」", "date")
    return Waiver(ident, entry["reason"].strip(), entry["by"].strip(), day, f"{name}:{start + 1}")


def _line_of_key(text: str, key: str) -> int | None:
    for i, line in enumerate(text.splitlines()):
        if re.match(rf"^\s*\[*\s*\"?{re.escape(key)}\"?\s*[\]=]", line):
            return i + 1
    return None


def apply_waivers(report: Report, waivers: tuple[Waiver, ...], source: str) -> Report:
    """Mark the findings the waivers name; each waiver that matched nothing becomes a warning finding located
    at its line of the waivers file (the problem may have been fixed, or the workbook or table renamed)."""
    by_id = {w.id: w for w in waivers}
    found = {f.id for f in report.findings}
    findings = [replace(f, waiver=by_id[f.id]) if f.id in by_id else f for f in report.findings]
    for w in waivers:
        if w.id in found:
            continue
        line = int(w.source.rsplit(":", 1)[1])
        findings.append(
            Finding(
                rule=UNMATCHED,
                severity=Severity.WARNING,
                verdict=Verdict.INVALID,
                message=f"豁免 {w.id}（{w.reason}；{w.by}，{w.date}）没有匹配到任何问题：问题可能已改正，或工作簿、表已改名；请删除或更新这一条",
                detail=f"{w.id}（{w.reason}；{w.by}，{w.date}）没有匹配到任何问题",
                file=source,
                line=line,
                excerpt=f'id = "{w.id}"',
                anchor=w.id,
            )
        )
    return replace(report, findings=tuple(findings))


def selectors(values: list[str] | None) -> tuple[str, ...]:
    """--select / --ignore values: repeatable, and each may list several, comma-separated."""
    return tuple(s.strip() for v in values or () for s in v.split(",") if s.strip())


def matches(rule_id: str, chosen: tuple[str, ...]) -> bool:
    """A rule id matches a selector equal to it or a family prefix of it: `X` (X01…X11), `JS03.`, `QA.`."""
    return any(rule_id.startswith(s) for s in chosen)


def unknown(chosen: tuple[str, ...], known: set[str]) -> list[str]:
    """Selectors that match no known rule id (a typo would otherwise silently select nothing)."""
    return [s for s in chosen if not any(k.startswith(s) for k in known)]


def keep(select: tuple[str, ...], ignore: tuple[str, ...]):
    """The predicate on rule ids that --select and --ignore describe."""
    return lambda rule_id: (not select or matches(rule_id, select)) and not matches(rule_id, ignore)


def select_rules(report: Report, select: tuple[str, ...], ignore: tuple[str, ...]) -> Report:
    wanted = keep(select, ignore)
    return replace(report, findings=tuple(f for f in report.findings if wanted(f.rule)))
