"""The 政府收支分类科目 catalogue: functional and departmental economic expenditure codes.

Two code sets ship as TOML under ``data/`` (their header comments give the format and sources):

- ``functional.toml`` — 支出功能分类科目, 类 (3 digits) / 款 (5) / 项 (7), budget years 2019–2024,
  with the 预算 family (fund) of every 款 and the earlier names of renamed subjects;
- ``economic.toml`` — 部门预算支出经济分类科目 301–399, 类 (3) / 款 (5), each 类 marked
  人员经费 or 公用经费.

Entries not seen in a source carry ``confirmed = False``: use them for hints, not for hard errors.

    >>> cat = load_catalog(2021)
    >>> cat.functional("212 08 99").fund
    '政府性基金'
    >>> [s.code for s in cat.functional_by_name("医疗卫生与计划生育支出")]
    ['210']

Everything here is pure: no I/O beyond reading the packaged data once, no printing.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterable

from qidong_audit.model import by_fields

__all__ = [
    "FIRST_YEAR",
    "FUNDS",
    "GROUPS",
    "LAST_YEAR",
    "Alias",
    "Catalog",
    "Subject",
    "load_catalog",
    "normalise_name",
    "parse_code",
]

FUNDS: tuple[str, ...] = ("一般公共预算", "政府性基金", "国有资本经营", "社会保险基金")
"""The four 预算 families, in the order budget tables list them."""

GROUPS: tuple[str, ...] = ("人员经费", "公用经费")
"""How 基本支出 tables split the economic 类 (see ``economic.toml``)."""

FIRST_YEAR = 2019
LAST_YEAR = 2024
"""Budget years the functional list covers; other years are served the nearest of these."""

_LEVELS = {3: "类", 5: "款", 7: "项"}
_CODE = re.compile(r"\d+(?:[\s\-._/·]+\d+)*", re.ASCII)  # digit groups, e.g. "212 08 99", "212-08-99"
_WHITESPACE = re.compile(r"\s+")
_BRACKETS = str.maketrans({"（": "(", "）": ")"})


@dataclass(frozen=True, slots=True)
class Alias:
    """Another name of a subject, used in budget years ``since``..``until`` (inclusive, None = open)."""

    name: str
    since: int | None = None
    until: int | None = None

    def covers(self, year: int) -> bool:
        """True if the name was in use in budget year ``year``."""
        return (self.since is None or self.since <= year) and (self.until is None or year <= self.until)

    __reduce__ = by_fields  # loads a year's ≈1,300 subjects in half the time


@dataclass(frozen=True, slots=True)
class Subject:
    """One 科目 as it stood in the catalogue's year.

    ``fund`` is set for functional subjects only (None for a 类 whose 款 span several funds);
    ``group`` (人员经费 / 公用经费) for economic subjects only.
    """

    code: str
    name: str
    level: str
    fund: str | None = None
    aliases: tuple[Alias, ...] = ()
    group: str | None = None
    confirmed: bool = False

    __reduce__ = by_fields  # loads a year's ≈1,300 subjects in half the time

    @property
    def parent_code(self) -> str | None:
        """The code one level up (``"2120899"`` → ``"21208"``), None for a 类."""
        return None if len(self.code) == 3 else self.code[:-2]

    @property
    def names(self) -> tuple[str, ...]:
        """The current name followed by every alias name."""
        return (self.name, *(alias.name for alias in self.aliases))


def normalise_name(name: str) -> str:
    """Normalise a 科目 name for comparison: NFKC, no whitespace, full-width brackets → half-width."""
    text = unicodedata.normalize("NFKC", name)
    return _WHITESPACE.sub("", text).translate(_BRACKETS)


def parse_code(code: str | int) -> str | None:
    """Return a code as a bare digit string of length 3, 5 or 7, or None if it is not one.

    Accepts ``2120899``, ``"2120899"``, ``"212 08 99"``, ``"212-08-99"`` and full-width digits.
    """
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        text = str(code) if code >= 0 else ""
    elif isinstance(code, str):
        text = unicodedata.normalize("NFKC", code).strip()
        text = re.sub(r"\D", "", text) if _CODE.fullmatch(text) else ""
    else:
        return None
    return text if len(text) in _LEVELS and text.isdigit() else None


class Catalog:
    """Both code sets as they stood in one budget year. Build with :func:`load_catalog`."""

    __slots__ = ("year", "_functional", "_economic", "_functional_names", "_economic_names", "_children")

    def __init__(self, year: int, functional: Iterable[Subject], economic: Iterable[Subject]) -> None:
        self.year = year
        self._functional = {subject.code: subject for subject in functional}
        self._economic = {subject.code: subject for subject in economic}
        self._functional_names = _name_index(self._functional.values())
        self._economic_names = _name_index(self._economic.values())
        children: dict[str, list[Subject]] = {}
        for subject in self._functional.values():
            if subject.parent_code is not None:
                children.setdefault(subject.parent_code, []).append(subject)
        self._children = {code: tuple(sorted(kids, key=_by_code)) for code, kids in children.items()}

    def __repr__(self) -> str:
        return f"<Catalog {self.year}: {len(self._functional)} functional, {len(self._economic)} economic>"

    # -- functional (支出功能分类) -------------------------------------------------

    def functional(self, code: str | int) -> Subject | None:
        """The functional subject with this code, or None."""
        key = parse_code(code)
        return None if key is None else self._functional.get(key)

    def functional_by_name(self, name: str) -> tuple[Subject, ...]:
        """Functional subjects whose current name or any alias equals ``name`` (normalised), by code."""
        return self._functional_names.get(normalise_name(name), ())

    def functional_subjects(self) -> tuple[Subject, ...]:
        """Every functional subject of the year, ordered by code."""
        return tuple(sorted(self._functional.values(), key=_by_code))

    def fund_of(self, code: str | int) -> str | None:
        """The fund (预算 family) of a functional code.

        A code missing from the catalogue (e.g. a 项 not listed) takes the fund of its nearest
        listed ancestor, since 项 inherit the fund of their 款. None when unknown, or when the
        code is a 类 whose 款 span several funds.
        """
        key = parse_code(code)
        if key is None:
            return None
        for length in (7, 5, 3):
            if length <= len(key):
                subject = self._functional.get(key[:length])
                if subject is not None:
                    return subject.fund
        return None

    def parent(self, code: str | int) -> Subject | None:
        """The functional subject one level up (works for unlisted codes too), None for a 类."""
        key = parse_code(code)
        if key is None or len(key) == 3:
            return None
        return self._functional.get(key[:-2])

    def children(self, code: str | int) -> tuple[Subject, ...]:
        """The functional subjects directly below ``code``, ordered by code."""
        key = parse_code(code)
        return () if key is None else self._children.get(key, ())

    # -- economic (部门预算支出经济分类) ---------------------------------------------

    def economic(self, code: str | int) -> Subject | None:
        """The economic subject (类 or 款) with this code, or None."""
        key = parse_code(code)
        return None if key is None else self._economic.get(key)

    def economic_by_name(self, name: str) -> tuple[Subject, ...]:
        """Economic subjects whose name or any alias equals ``name`` (normalised), by code."""
        return self._economic_names.get(normalise_name(name), ())

    def economic_subjects(self) -> tuple[Subject, ...]:
        """Every economic subject, ordered by code."""
        return tuple(sorted(self._economic.values(), key=_by_code))

    def economic_children(self, code: str | int) -> tuple[Subject, ...]:
        """The economic 款 under a 类, ordered by code."""
        key = parse_code(code)
        if key is None or len(key) != 3:
            return ()
        return tuple(s for s in self.economic_subjects() if s.parent_code == key)


def load_catalog(year: int | None = None) -> Catalog:
    """The catalogue for budget ``year`` (None = newest), built once per year and then cached.

    Years before 2019 or after 2024 get the nearest covered year's catalogue, and
    ``catalog.year`` tells which year that is.
    """
    if year is None:
        year = LAST_YEAR
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be an int or None, not {year!r}")
    return _build(min(max(year, FIRST_YEAR), LAST_YEAR))


# -- building ------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _build(year: int) -> Catalog:
    """Parsing the data files is most of a one-workbook audit's cost: built once per data and code (datacache)."""
    from qidong_audit.datacache import cached

    data = resources.files(__name__).joinpath("data")
    return cached(f"catalog-{year}", [data.joinpath("functional.toml"), data.joinpath("economic.toml")],
                  lambda: _build_now(year))


def _build_now(year: int) -> Catalog:
    functional = _functional_subjects(_entries("functional.toml"), year)
    economic = _economic_subjects(_entries("economic.toml"))
    return Catalog(year, functional, economic)


@functools.lru_cache(maxsize=None)
def _entries(filename: str) -> tuple[dict[str, Any], ...]:
    """The raw entries of one data file, checked for shape, duplicates and orphans."""
    import tomllib  # only when the data cache has no catalogue for this data and code

    data = tomllib.loads(resources.files(__name__).joinpath("data").joinpath(filename).read_text(encoding="utf-8"))
    entries = tuple(data["subjects"])
    seen: set[str] = set()
    for entry in entries:
        code = entry.get("code")
        if not isinstance(code, str) or parse_code(code) != code:
            raise ValueError(f"{filename}: bad code {code!r}")
        if code in seen:
            raise ValueError(f"{filename}: duplicate code {code}")
        if not isinstance(entry.get("name"), str) or not entry["name"]:
            raise ValueError(f"{filename}: {code} has no name")
        if len(code) > 3 and code[:-2] not in seen:
            raise ValueError(f"{filename}: {code} listed before (or without) its parent {code[:-2]}")
        seen.add(code)
    return entries


def _functional_subjects(entries: tuple[dict[str, Any], ...], year: int) -> list[Subject]:
    spans: dict[str, tuple[int, int]] = {}
    own_funds: dict[str, str | None] = {}
    live: list[dict[str, Any]] = []
    for entry in entries:
        code = entry["code"]
        since = entry.get("since", FIRST_YEAR)
        until = entry.get("until", LAST_YEAR)
        if len(code) > 3:  # children never outlive their parents
            parent_since, parent_until = spans[code[:-2]]
            since, until = max(since, parent_since), min(until, parent_until)
        spans[code] = (since, until)
        fund = entry.get("fund")
        if fund is not None and fund not in FUNDS:
            raise ValueError(f"functional.toml: {code} has unknown fund {fund!r}")
        if len(code) == 5 and fund is None:
            raise ValueError(f"functional.toml: 款 {code} has no fund")
        if len(code) == 7 and fund is None:
            fund = own_funds[code[:5]]
        own_funds[code] = fund
        if since <= year <= until:
            live.append(entry)

    # A 类 takes the fund its 款 share in this year; it may state one only when it lists no 款.
    kuan_funds: dict[str, set[str]] = {}
    for entry in live:
        if len(entry["code"]) == 5:
            kuan_funds.setdefault(entry["code"][:3], set()).add(own_funds[entry["code"]])

    subjects = []
    for entry in live:
        code = entry["code"]
        if len(code) == 3:
            funds = kuan_funds.get(code)
            if funds is None:
                fund = own_funds[code]
            else:
                if own_funds[code] is not None:
                    raise ValueError(f"functional.toml: 类 {code} states a fund but has 款")
                fund = funds.pop() if len(funds) == 1 else None
        else:
            fund = own_funds[code]
        name, aliases = _name_in(entry, year)
        subjects.append(
            Subject(code, name, _LEVELS[len(code)], fund=fund, aliases=aliases, confirmed=bool(entry.get("confirmed")))
        )
    return subjects


def _economic_subjects(entries: tuple[dict[str, Any], ...]) -> list[Subject]:
    groups: dict[str, str] = {}
    subjects = []
    for entry in entries:
        code = entry["code"]
        if len(code) == 7:
            raise ValueError(f"economic.toml: {code} is too long for an economic code")
        if len(code) == 3:
            group = entry.get("group")
            if group not in GROUPS:
                raise ValueError(f"economic.toml: 类 {code} has unknown group {group!r}")
            groups[code] = group
        name, aliases = _name_in(entry, LAST_YEAR)
        subjects.append(
            Subject(
                code,
                name,
                _LEVELS[len(code)],
                aliases=aliases,
                group=groups[code[:3]],
                confirmed=bool(entry.get("confirmed")),
            )
        )
    return subjects


def _name_in(entry: dict[str, Any], year: int) -> tuple[str, tuple[Alias, ...]]:
    """The entry's name in ``year`` and its other names (the newest name becomes an alias if renamed)."""
    aliases = tuple(Alias(a["name"], a.get("since"), a.get("until")) for a in entry.get("aliases", ()))
    for index, alias in enumerate(aliases):
        dated = alias.since is not None or alias.until is not None  # undated = mere alternative spelling
        if dated and alias.covers(year):
            ends = [a.until for a in aliases if a.until is not None]
            newest = Alias(entry["name"], max(ends) + 1 if ends else None, None)
            return alias.name, (*aliases[:index], *aliases[index + 1 :], newest)
    return entry["name"], aliases


def _name_index(subjects: Iterable[Subject]) -> dict[str, tuple[Subject, ...]]:
    index: dict[str, list[Subject]] = {}
    for subject in subjects:
        for key in dict.fromkeys(normalise_name(name) for name in subject.names):
            index.setdefault(key, []).append(subject)
    return {key: tuple(sorted(found, key=_by_code)) for key, found in index.items()}


def _by_code(subject: Subject) -> str:
    return subject.code
