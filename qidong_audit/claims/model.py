"""What the grammar finds in a report: figures (a named item and its quantity) and the claims that tie figures
together (a total and its parts, a share, a change on last year, a budget completion rate, counts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from qidong_audit.claims.items import Item
from qidong_audit.claims.tokens import MONEY_UNITS


@dataclass(frozen=True, slots=True)
class Place:
    """Where a claim stands: the 1-based line of its figure and the sentence as written."""

    line: int
    sentence: str
    paragraph: int  # 0-based paragraph index


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal  # as written, in its own unit
    decimals: int  # decimals as written
    unit: str  # "万元" | "元" | "亿元" | "千元" | "%" | a count unit ("件", "人次" …)
    kind: str  # "money" | "count" | "percent"
    text: str  # as written, e.g. "14,896件"
    qualifier: str = ""  # 以上 / 以下 / 约 / 近 / 左右 …: the figure is not stated exactly

    @property
    def factor(self) -> Decimal:
        """Into 万元 for money; 1 for the rest."""
        return MONEY_UNITS.get(self.unit, Decimal(1))

    @property
    def wan(self) -> Decimal:
        return self.value * self.factor

    @property
    def plain(self) -> str:
        """The number as a plain decimal string (JSON `value`), in its own unit."""
        return format(self.value, "f")


@dataclass(frozen=True, slots=True)
class Figure:
    """A quantity stated for a named thing: 基本支出940.12万元, 来电总量达14358次, 办结率99.28%."""

    name: str  # the item as written, with time words and verbs stripped ("基本支出")
    qty: Quantity
    place: Place
    basis: str = "决算"  # "决算" | "预算" | "上年" (a last-year figure)
    context: str = ""  # the heading and sentence the figure stands in (is it about 财政拨款?)
    seq: int = 0  # order in the document
    item: Item | None = None  # the table item the name stands for, when known

    @property
    def label(self) -> str:
        return f"{self.name or '（未命名）'} {self.qty.text.strip()}"


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A total and the parts a report lists for it (其中 / 包括 / 依次为 / 具体如下 + items)."""

    total: Figure
    parts: tuple[Figure, ...]
    cue: str
    partial: bool = False  # 主要用于/主要包括: the parts need not add up to the total


@dataclass(frozen=True, slots=True)
class Share:
    """A part's share of a base: 占财政拨款支出总额的0.79%, 占比0%, 分别占99.21%和0.79%."""

    part: Figure
    pct: Quantity
    place: Place
    base_name: str = ""  # the base as named in the sentence ("" when not named)
    base: Figure | None = None  # the base the grammar resolved (a list's total), if any


@dataclass(frozen=True, slots=True)
class Change:
    """A change on last year: 与上年相比增加0.87万元, 增长100%; 上年为A; 由A增加到B."""

    place: Place
    name: str
    current: Figure | None = None
    delta: Quantity | None = None
    delta_sign: int = 0
    rate: Quantity | None = None
    rate_sign: int = 0
    previous: Quantity | None = None


@dataclass(frozen=True, slots=True)
class Completion:
    """完成预算的X% / 预算执行率X%, with the budget and actual figures where the report gives them."""

    place: Place
    rate: Quantity
    name: str
    budget: Figure | None = None
    actual: Figure | None = None


@dataclass(frozen=True, slots=True)
class Handled:
    """Cases done versus cases received (办结 vs 受理/来电): done cannot exceed received."""

    received: Figure
    done: Figure


@dataclass(frozen=True, slots=True)
class AllDone:
    """"均已办结" and the rates stated beside it."""

    place: Place
    rates: tuple[Figure, ...]


@dataclass
class Claims:
    figures: list[Figure] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    shares: list[Share] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    completions: list[Completion] = field(default_factory=list)
    handled: list[Handled] = field(default_factory=list)
    all_done: list[AllDone] = field(default_factory=list)
    year: int | None = None  # the report's budget year, when it says ("2021年度")
