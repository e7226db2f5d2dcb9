"""Rule packs as data: load and validate TOML rule files (the built-in pack and users' --rules files).

A bad rules file raises RulesError naming the file, the line and what is wrong; nothing else escapes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from qidong_audit import tomlfile
from qidong_audit.model import Severity
from qidong_audit.recognise.spec import TableSet, load_tables
from qidong_audit.rules.expr import Check, ExprError, Ref, parse_check, parse_selector

_KINDS = ("check", "tree", "catalog")
_KEYS = {"id", "title", "severity", "check", "for", "each", "explain", "kind", "table", "tables", "test", "fund", "message"}
_TESTS = ("exists", "name", "fund", "side")
_FUNDS = ("一般公共预算", "政府性基金", "国有资本经营")
_EACH = re.compile(r"\{each(?:\.(\d))?\}")


class RulesError(Exception):
    def __init__(self, file: str, line: int | None, message: str):
        where = f"{file}:{line}" if line else file
        super().__init__(f"规则文件 {where}：{message}")
        self.file, self.line, self.detail = file, line, message


@dataclass(frozen=True, slots=True)
class Instance:
    """One concrete check of a rule (rules with `each` have several)."""

    each: str
    check: Check


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    severity: Severity
    kind: str
    check_text: str
    instances: tuple[Instance, ...]
    iterate: tuple[Ref, ...]  # `for` selectors; empty = check once
    table: str | None  # for kind = "tree"
    explain: str
    source: str  # "file:line"
    tables: tuple[str, ...] = ()  # for kind = "catalog"
    test: str = ""  # for kind = "catalog": exists | name | fund | side
    fund: str = ""  # for test = "fund": the fund the tables belong to
    year_text: str = "当年"


@dataclass(frozen=True, slots=True)
class RulePack:
    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def __add__(self, other: RulePack) -> RulePack:
        mine = {r.id for r in other.rules}
        return RulePack(tuple(r for r in self.rules if r.id not in mine) + other.rules)


@lru_cache(maxsize=4)
def builtin_pack(pack: str = "final") -> RulePack:
    """The built-in pack, parsed once per data and code (qidong_audit/datacache.py)."""
    from qidong_audit.datacache import cached

    folder = resources.files("qidong_audit.packs").joinpath(pack)
    sources = [folder.joinpath("rules.toml"), folder.joinpath("tables.toml")]  # the tables validate the rules
    return cached(f"rules-{pack}", sources, lambda: parse_pack(sources[0].read_text("utf-8"),
                                                               f"<内置规则>/{pack}/rules.toml", load_tables(pack)))


def load_pack(path: str | Path, tables: TableSet | None = None) -> RulePack:
    return parse_pack(tomlfile.read_text(path, RulesError), str(path), tables or load_tables())


def parse_pack(text: str, name: str, tables: TableSet) -> RulePack:
    data = tomlfile.parse(text, name, RulesError)
    lines = text.splitlines()
    starts = [i for i, ln in enumerate(lines) if re.match(r"^\s*\[\[\s*rule\s*\]\]", ln)]
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RulesError(name, None, "「rule」应是 [[rule]] 表数组")
    unknown_top = set(data) - {"rule", "pack", "years"}
    if unknown_top:
        raise RulesError(name, None, f"未知的顶层键：{', '.join(sorted(unknown_top))}")
    rules: list[Rule] = []
    seen: set[str] = set()
    for k, raw in enumerate(raw_rules):
        start = starts[k] if k < len(starts) else 0

        def fail(message: str, key: str | None = None, _start: int = start) -> RulesError:
            return RulesError(name, tomlfile.line_in_block(lines, _start, key), message)

        rule = _parse_rule(raw, fail, tables, name, start)
        if rule.id in seen:
            raise fail(f"规则编号「{rule.id}」重复", "id")
        seen.add(rule.id)
        rules.append(rule)
    return RulePack(tuple(rules))


def _parse_rule(raw: dict, fail, tables: TableSet, name: str, start: int) -> Rule:
    extra = set(raw) - _KEYS
    if extra:
        raise fail(f"未知的键：{', '.join(sorted(extra))}", sorted(extra)[0])
    for key in ("id", "title"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise fail(f"缺少「{key}」（文字）", key if key in raw else None)
    try:
        severity = Severity(raw.get("severity", "error"))
    except ValueError:
        raise fail(f"severity 应为 error、warning 或 info，而不是「{raw.get('severity')}」", "severity") from None
    kind = raw.get("kind", "check")
    if kind not in _KINDS:
        raise fail(f"kind 应为 {' 或 '.join(_KINDS)}，而不是「{kind}」", "kind")
    source = f"{name}:{start + 1}"
    if kind == "catalog":
        tables_ = raw.get("tables")
        if not isinstance(tables_, list) or not tables_:
            raise fail("kind = \"catalog\" 的规则需要 tables = [\"JS03\", …]", "tables" if "tables" in raw else None)
        for tid in tables_:
            if tables.by_id(str(tid)) is None:
                raise fail(f"未知的表「{tid}」", "tables")
        test = raw.get("test")
        if test not in _TESTS:
            raise fail(f"test 应为 {'、'.join(_TESTS)} 之一，而不是「{test}」", "test" if "test" in raw else None)
        fund = raw.get("fund", "")
        if test == "fund" and fund not in _FUNDS:
            raise fail(f"fund 应为 {'、'.join(_FUNDS)} 之一", "fund" if "fund" in raw else None)
        return Rule(raw["id"], raw["title"], severity, kind, "", (), (), None, raw.get("explain", ""), source,
                    tuple(tables_), test, fund)
    if kind == "tree":
        table = raw.get("table")
        if tables.by_id(str(table)) is None:
            raise fail(f"未知的表「{table}」", "table")
        return Rule(raw["id"], raw["title"], severity, kind, "", (), (), table, raw.get("explain", ""), source)
    text = raw.get("check")
    if not isinstance(text, str) or not text.strip():
        raise fail("缺少「check」（检查公式）", None)
    each = raw.get("each", [""])
    if not isinstance(each, list) or not all(isinstance(x, str) for x in each) or not each:
        raise fail("each 应是文字列表", "each")
    instances = []
    for item in each:
        parts = item.split("=")
        expanded = _EACH.sub(lambda m: parts[int(m.group(1))] if m.group(1) and int(m.group(1)) < len(parts) else item, text)
        try:
            check = parse_check(expanded)
        except ExprError as exc:
            raise fail(f"检查公式有误：{exc}（位置 {exc.position + 1}：「{expanded[exc.position:exc.position + 12]}」）", "check") from None
        _validate(check.refs(), tables, fail, "check")
        instances.append(Instance(item, check))
    iterate: tuple[Ref, ...] = ()
    if "for" in raw:
        if not isinstance(raw["for"], str):
            raise fail("for 应是文字，如 \"JS03[*]\"", "for")
        try:
            iterate = tuple(parse_selector(s.strip()) for s in raw["for"].split("|"))
        except ExprError as exc:
            raise fail(f"for 有误：{exc}", "for") from None
        _validate(list(iterate), tables, fail, "for")
        uses_current = any(r.row and r.row.split(":")[-1] == "$" for i in instances for r in i.check.refs())
        if not uses_current:
            raise fail("有 for 的规则应在公式中用 $ 表示当前行", "check")
    else:
        for inst in instances:
            if any(r.row and r.row.split(":")[-1] == "$" for r in inst.check.refs()):
                raise fail("公式用了 $（当前行），但规则没有 for", "check")
    return Rule(raw["id"], raw["title"], severity, "check", text, tuple(instances), iterate, None, raw.get("explain", ""), source)


def _validate(refs: list[Ref], tables: TableSet, fail, key: str) -> None:
    for ref in refs:
        spec = tables.by_id(ref.table)
        if spec is None:
            known = "、".join(t.table_id for t in tables.tables)
            raise fail(f"未知的表「{ref.table}」（可用：{known}）", key)
        columns = {c.key for c in spec.columns}
        column = ref.column if ref.column is not None else (ref.row if spec.single_row else None)
        if column is not None:
            canon = "/".join(tables.canon(p) for p in column.split("/"))
            if canon not in columns:
                raise fail(f"表 {ref.table}（{spec.title}）没有列「{column}」（可用：{'、'.join(sorted(columns))}）", key)
        if ref.row is not None and not spec.single_row:
            row = ref.row.split(":", 1)[-1].split("：", 1)[-1]
            if ":" in ref.row or "：" in ref.row:
                panel = re.split("[:：]", ref.row, maxsplit=1)[0]
                if spec.panels and panel not in spec.panels:
                    raise fail(f"表 {ref.table} 没有「{panel}」栏（可用：{'、'.join(spec.panels)}）", key)
            if row.startswith("@") and row[1:] not in ("类", "款", "项"):
                raise fail(f"「{row}」不是层级（应为 @类、@款 或 @项）", key)
            if row.startswith("#") and not row[1:].isdigit():
                raise fail(f"「{row}」不是科目编码", key)
            if row and not row.startswith(("@", "#", "$", "*")) and spec.rows and tables.canon(row) not in spec.rows:
                raise fail(f"表 {ref.table}（{spec.title}）没有行「{row}」", key)
