"""The table definitions of a pack (tables.toml): titles, aliases, panels and column keys."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from qidong_audit.recognise.text import norm


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    key: str
    patterns: tuple[frozenset[str], ...]


@dataclass(frozen=True, slots=True)
class TableSpec:
    table_id: str
    title: str
    aliases: tuple[str, ...]  # normalised
    label: str | None  # "公开01表"
    code_system: str | None
    panels: tuple[str, ...]
    single_row: bool
    columns: tuple[ColumnSpec, ...]
    rows: frozenset[str]  # row labels rules may name
    class_rows_before: str | None  # in the 支出 panel, rows above this total are 功能分类 类 rows


@dataclass(frozen=True, slots=True)
class TableSet:
    tables: tuple[TableSpec, ...]
    aliases: dict[str, str]  # normalised variant → canonical

    def by_id(self, table_id: str) -> TableSpec | None:
        for t in self.tables:
            if t.table_id == table_id:
                return t
        return None

    def canon(self, text: str) -> str:
        n = norm(text)
        return self.aliases.get(n, n)


@lru_cache(maxsize=4)
def load_tables(pack: str = "final") -> TableSet:
    data = tomllib.loads(resources.files("qidong_audit.packs").joinpath(pack, "tables.toml").read_text("utf-8"))
    aliases = {norm(k): norm(v) for k, v in data.get("aliases", {}).items()}
    specs = []
    for t in data["table"]:
        cols = tuple(
            ColumnSpec(c["key"], tuple(frozenset(aliases.get(norm(p), norm(p)) for p in pat) for pat in c["patterns"]))
            for c in t.get("columns", [])
        )
        specs.append(
            TableSpec(
                table_id=t["id"],
                title=t["title"],
                aliases=tuple(norm(a) for a in t["aliases"]),
                label=t.get("label"),
                code_system=t.get("code_system"),
                panels=tuple(t.get("panels", [])),
                single_row=bool(t.get("single_row", False)),
                columns=cols,
                rows=frozenset(aliases.get(norm(r), norm(r)) if "/" not in r else r for r in t.get("rows", [])),
                class_rows_before=t.get("class_rows_before"),
            )
        )
    return TableSet(tuple(specs), aliases)
