"""The table definitions of a pack (tables.toml): titles, aliases, panels and column keys.

Each pack (packs/final: 部门决算, packs/budget: 部门预算) has its own aliases: "金额" is 决算数 in one and 预算数
in the other. `all_tables()` puts every pack's tables in one set for recognition — titles decide — and
`TableSet.own()` gives back the pack a recognised table's labels are read with."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from qidong_audit.recognise.text import SHORT_TEXT, norm


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
    pack: str = "final"  # the pack that defines it


@dataclass(frozen=True, slots=True)
class TableSet:
    tables: tuple[TableSpec, ...]
    aliases: dict[str, str]  # normalised variant → canonical
    packs: tuple[TableSet, ...] = ()  # a combined set (all_tables): the packs it is made of
    # text → canon(text): every header cell and row label is looked up, and the same words recur in every file
    _canon: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def own(self, spec: TableSpec) -> TableSet:
        """The set whose aliases read this table's labels: its own pack's set (self for a single pack)."""
        return next((p for p in self.packs if any(t is spec for t in p.tables)), self)

    def by_id(self, table_id: str) -> TableSpec | None:
        for t in self.tables:
            if t.table_id == table_id:
                return t
        return None

    def canon(self, text: str) -> str:
        hit = self._canon.get(text)
        if hit is None:
            n = norm(text)
            hit = self.aliases.get(n, n)
            if len(text) <= SHORT_TEXT:
                if len(self._canon) >= _MAX_CANON:  # a bound for odd texts; the memo starts over
                    self._canon.clear()
                self._canon[text] = hit
        return hit


_MAX_CANON = 16384


@lru_cache(maxsize=4)
def load_tables(pack: str = "final") -> TableSet:
    """The pack's table specs, parsed once per data and code (qidong_audit/datacache.py)."""
    from qidong_audit.datacache import cached

    source = resources.files("qidong_audit.packs").joinpath(pack, "tables.toml")
    return cached(f"tables-{pack}", [source], lambda: _parse_tables(pack, source.read_text("utf-8")))


def _parse_tables(pack: str, text: str) -> TableSet:
    import tomllib

    data = tomllib.loads(text)
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
                pack=pack,
            )
        )
    return TableSet(tuple(specs), aliases)


PACKS = ("final", "budget")  # 部门决算 (JS01…), 部门预算 (YS01…)


@lru_cache(maxsize=1)
def all_tables() -> TableSet:
    """Every pack's tables in one set: a sheet is recognised against all of them (its title decides). The
    combined set has no aliases of its own: read a table's labels with `own(spec)`."""
    packs = tuple(load_tables(p) for p in PACKS)
    return TableSet(tuple(t for p in packs for t in p.tables), {}, packs)


def pack_of(table_id: str) -> str:
    """The pack a table id belongs to, by its prefix: JS → final, YS → budget."""
    return "budget" if table_id.startswith("YS") else "final"
