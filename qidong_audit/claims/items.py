"""The items a report names, as the tables know them: 收入总计, 基本支出, each 类 by name, "X（类）Y（款）Z（项）",
the 三公 items … Each item knows its parent (for lists that nest) and the table cells that hold it.

Names are cleaned first: time words (2021年度, 全年), verbs (为, 达, 共计) and quotes go; "决算"/"预算"/"上年"
become the figure's basis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qidong_audit.catalog import Catalog
from qidong_audit.claims.tokens import normalise

_QUOTES = re.compile(r"[“”\"'‘’《》「」『』\s]")
_LEAD = re.compile(
    r"^(?:其中|包括|以及|及|和|另外|此外|全年|本年度|本年|今年|当年|年度|年内|本单位|我单位|我局|本部门|单位|共计|累计|合计|共|实现|完成|"
    r"[,;:、]|\d+)"
)
_TRAIL = re.compile(r"(?:为|是|达到|达|共计|共|累计|总额为|合计为|约|实际|的|分别|各|均)$")
_BASIS_TRAIL = re.compile(r"(?:年初)?(?<!公共)(?<!基金)(?<!经营)(决算数|决算|预算数|预算)$")
_LAST_YEAR = re.compile(r"^(?:上年|去年|上一年度?|上年度)(?:同期)?")
_BUDGET_LEAD = re.compile(r"^(?:年初|调整后?的?)?预算(?:安排)?")
_PATH = re.compile(r"(.+?)\((类|款|项)\)")


@dataclass(frozen=True, slots=True)
class CellSpec:
    """Where a table holds an item: table id, panel, row (label key, code, or None for a one-row table),
    column key (None for a one-column panel; "{basis}" is filled with 决算/预算)."""

    table: str
    panel: str | None
    row: str | None
    column: str | None
    code: str | None = None
    fiscal: bool = False  # preferred when the sentence is about 财政拨款


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    label: str
    parent: str | None = None
    cells: tuple[CellSpec, ...] = ()


def _c(table, panel, row, column=None, code=None, fiscal=False) -> CellSpec:
    return CellSpec(table, panel, row, column, code, fiscal)


# (pattern over the cleaned name, item). First match wins; patterns are anchored.
_FIXED: list[tuple[str, Item]] = [
    (r"(?:部门)?收入总计(?:数)?", Item("收入总计", "收入总计", None, (_c("JS01", "收入", "总计"),))),
    (r"(?:部门)?支出总计(?:数)?", Item("支出总计", "支出总计", None, (_c("JS01", "支出", "总计"),))),
    # 收入总额 / 总支出 … are 总计 in some reports and 本年收入/支出合计 in others: either cell will do
    (r"(?:部门)?(?:总收入|收入总额)", Item("收入总额", "收入总额", None, (
        _c("JS01", "收入", "总计"), _c("JS01", "收入", "本年收入合计")))),
    (r"(?:部门)?(?:总支出|支出总额)", Item("支出总额", "支出总额", None, (
        _c("JS01", "支出", "总计"), _c("JS01", "支出", "本年支出合计")))),
    (r"(?:本年|当年)?收入(?:合计|小计)?", Item("本年收入合计", "本年收入合计", "收入总计", (
        _c("JS01", "收入", "本年收入合计"), _c("JS02", None, "合计", "本年收入合计")))),
    (r"(?:部门)?(?:整体支出|(?:本年|当年)?支出(?:合计|小计))|本年支出|当年支出", Item("本年支出合计", "本年支出合计", "支出总计", (
        _c("JS01", "支出", "本年支出合计"), _c("JS03", None, "合计", "本年支出合计")))),
    (r"财政拨款收入总计", Item("财政拨款收入总计", "财政拨款收入总计", None, (_c("JS04", "收入", "总计", fiscal=True),))),
    (r"财政拨款支出总计", Item("财政拨款支出总计", "财政拨款支出总计", None, (_c("JS04", "支出", "总计", "合计", fiscal=True),))),
    (r"财政拨款(?:收入)?(?:合计|总额|小计)?", Item("财政拨款收入", "财政拨款收入", "本年收入合计", (
        _c("JS04", "收入", "本年收入合计", fiscal=True), _c("JS02", None, "合计", "财政拨款收入")))),
    (r"财政拨款支出(?:合计|总额|小计)?", Item("财政拨款支出", "财政拨款支出", None, (
        _c("JS04", "支出", "本年支出合计", "合计", fiscal=True),))),
    (r"一般公共预算(?:财政)?拨款(?:收入)?(?:合计)?", Item("一般公共预算财政拨款收入", "一般公共预算财政拨款收入", "财政拨款收入", (
        _c("JS01", "收入", "一般公共预算财政拨款"), _c("JS04", "收入", "一般公共预算财政拨款", fiscal=True)))),
    (r"一般公共预算(?:财政)?拨款支出(?:合计)?", Item("一般公共预算财政拨款支出", "一般公共预算财政拨款支出", "财政拨款支出", (
        _c("JS05", None, "合计", "合计", fiscal=True), _c("JS04", "支出", "本年支出合计", "一般公共预算财政拨款", fiscal=True)))),
    (r"政府性基金预算(?:财政)?拨款(?:收入)?(?:合计)?", Item("政府性基金预算财政拨款收入", "政府性基金预算财政拨款收入", "财政拨款收入", (
        _c("JS01", "收入", "政府性基金预算财政拨款"), _c("JS04", "收入", "政府性基金预算财政拨款", fiscal=True)))),
    (r"国有资本经营预算(?:财政)?拨款(?:收入)?(?:合计)?", Item("国有资本经营预算财政拨款收入", "国有资本经营预算财政拨款收入", "财政拨款收入", (
        _c("JS01", "收入", "国有资本经营预算财政拨款"), _c("JS04", "收入", "国有资本经营预算财政拨款", fiscal=True)))),
    (r"上级补助收入", Item("上级补助收入", "上级补助收入", "本年收入合计", (_c("JS01", "收入", "上级补助收入"),))),
    (r"(?:事业单位)?事业收入", Item("事业收入", "事业收入", "本年收入合计", (_c("JS01", "收入", "事业收入"),))),
    (r"(?:事业单位)?经营收入", Item("经营收入", "经营收入", "本年收入合计", (_c("JS01", "收入", "经营收入"),))),
    (r"附属单位上缴收入", Item("附属单位上缴收入", "附属单位上缴收入", "本年收入合计", (_c("JS01", "收入", "附属单位上缴收入"),))),
    (r"其他收入", Item("其他收入", "其他收入", "本年收入合计", (_c("JS01", "收入", "其他收入"),))),
    (r"使用非财政拨款结余(?:\(含专用结余\))?", Item("使用非财政拨款结余", "使用非财政拨款结余", "收入总计", (
        _c("JS01", "收入", "使用非财政拨款结余"),))),
    (r"年初结转(?:和|与|及)?结余", Item("年初结转和结余", "年初结转和结余", "收入总计", (_c("JS01", "收入", "年初结转和结余"),))),
    (r"年末结转(?:和|与|及)?结余", Item("年末结转和结余", "年末结转和结余", "支出总计", (_c("JS01", "支出", "年末结转和结余"),))),
    (r"结余分配", Item("结余分配", "结余分配", "支出总计", (_c("JS01", "支出", "结余分配"),))),
    (r"(?:一般公共预算)?(?:财政拨款)?基本支出(?:合计|总额)?", Item("基本支出", "基本支出", "本年支出合计", (
        _c("JS03", None, "合计", "基本支出"), _c("JS05", None, "合计", "基本支出", fiscal=True)))),
    (r"(?:一般公共预算)?(?:财政拨款)?项目支出(?:合计|总额)?", Item("项目支出", "项目支出", "本年支出合计", (
        _c("JS03", None, "合计", "项目支出"), _c("JS05", None, "合计", "项目支出", fiscal=True)))),
    (r"上缴上级支出", Item("上缴上级支出", "上缴上级支出", "本年支出合计", (_c("JS03", None, "合计", "上缴上级支出"),))),
    (r"(?:事业单位)?经营支出", Item("经营支出", "经营支出", "本年支出合计", (_c("JS03", None, "合计", "经营支出"),))),
    (r"对附属单位补助支出", Item("对附属单位补助支出", "对附属单位补助支出", "本年支出合计", (
        _c("JS03", None, "合计", "对附属单位补助支出"),))),
    (r"人员经费(?:支出)?(?:合计)?", Item("人员经费", "人员经费", "基本支出", (_c("JS06", "人员经费", "人员经费合计", fiscal=True),))),
    (r"(?:日常)?公用经费(?:支出)?(?:合计)?", Item("公用经费", "公用经费", "基本支出", (_c("JS06", "公用经费", "公用经费合计", fiscal=True),))),
    (r"(?:一般公共预算)?(?:财政拨款)?(?:安排的)?三公经费(?:财政拨款)?(?:支出)?(?:合计|总额|小计)?", Item("三公经费", "“三公”经费", None, (
        _c("JS07", None, None, "{basis}数/合计", fiscal=True),))),
    (r"因公出国\(?境?\)?(?:费|费用)?(?:支出)?", Item("因公出国(境)费", "因公出国（境）费", "三公经费", (
        _c("JS07", None, None, "{basis}数/因公出国(境)费", fiscal=True),))),
    (r"公务用车购置及运行(?:维护|维修)?(?:费|费用)?(?:支出)?(?:小计)?", Item("公务用车购置及运行维护费", "公务用车购置及运行维护费", "三公经费", (
        _c("JS07", None, None, "{basis}数/公务用车购置及运行维护费", fiscal=True),))),
    (r"公务用车购置(?:费|费用)?(?:支出)?", Item("公务用车购置费", "公务用车购置费", "公务用车购置及运行维护费", (
        _c("JS07", None, None, "{basis}数/公务用车购置费", fiscal=True),))),
    (r"公务用车运行(?:维护|维修)?(?:费|费用)?(?:支出)?", Item("公务用车运行维护费", "公务用车运行维护费", "公务用车购置及运行维护费", (
        _c("JS07", None, None, "{basis}数/公务用车运行维护费", fiscal=True),))),
    (r"公务接待(?:费|费用)?(?:支出)?", Item("公务接待费", "公务接待费", "三公经费", (
        _c("JS07", None, None, "{basis}数/公务接待费", fiscal=True),))),
    (r"国内(?:公务)?接待(?:费|费用)?(?:支出)?", Item("国内公务接待费", "国内公务接待费", "公务接待费")),
    (r"外事接待(?:费|费用)?(?:支出)?|外宾接待(?:费|费用)?(?:支出)?", Item("外事接待费", "外事接待费", "公务接待费")),
    (r"(?:行政单位)?(?:机关)?运行经费(?:支出)?", Item("机关运行经费", "机关运行经费", "公用经费")),
    (r"会议费(?:支出)?", Item("会议费", "会议费", None, (_c("JS07", None, None, "{basis}数/会议费", fiscal=True),))),
    (r"培训费(?:支出)?", Item("培训费", "培训费", None, (_c("JS07", None, None, "{basis}数/培训费", fiscal=True),))),
]
_FIXED_RX = [(re.compile(f"^(?:{rx})$"), item) for rx, item in _FIXED]
ITEMS: dict[str, Item] = {item.key: item for _, item in _FIXED}

# Where functional codes are printed, by table: column holding the row's total (fiscal tables preferred under 财政拨款).
_FUNCTIONAL_CELLS = (
    ("JS04", "支出", "合计", True),
    ("JS05", None, "合计", True),
    ("JS01", "支出", None, False),
    ("JS03", None, "本年支出合计", False),
    ("JS08", None, "本年支出", True),
    ("JS09", None, "本年支出", True),
)
_ECONOMIC_PARENT = {"人员经费": "人员经费", "公用经费": "公用经费"}


def clean_name(raw: str) -> tuple[str, str]:
    """The item name without quotes, time words and verbs, and the figure's basis (决算 / 预算 / 上年)."""
    name = _QUOTES.sub("", normalise(raw)).strip("、,;:")
    basis = "决算"
    for _ in range(6):
        before = name
        name = _LEAD.sub("", name)
        if _LAST_YEAR.match(name):
            name, basis = _LAST_YEAR.sub("", name), "上年"
        if _BUDGET_LEAD.match(name) and len(name) > 4:
            name, basis = _BUDGET_LEAD.sub("", name), "预算" if basis != "上年" else basis
        name = _TRAIL.sub("", name)
        m = _BASIS_TRAIL.search(name)
        if m and len(name) > len(m.group(0)):
            if basis != "上年":
                basis = "预算" if m.group(1).startswith("预算") else "决算"
            name = name[: m.start()]
        if name == before:
            break
    return name, basis


def resolve(name: str, catalog: Catalog | None) -> Item | None:
    """The table item a cleaned name stands for, or None."""
    if not name:
        return None
    for rx, item in _FIXED_RX:
        if rx.match(name):
            return item
    if catalog is None:
        return None
    if "(" in name and _PATH.search(name):
        return _functional_path(name, catalog)
    return _class_by_name(name, catalog) or _economic_by_name(name, catalog)


def _functional_item(code: str, name: str) -> Item:
    parent = f"功能:{code[:-2]}" if len(code) > 3 else None
    cells = tuple(
        CellSpec(t, panel, None, column, code, fiscal) for t, panel, column, fiscal in _FUNCTIONAL_CELLS
        if not (t == "JS01" and len(code) > 3) and not (t == "JS04" and len(code) > 3)
    )
    return Item(f"功能:{code}", f"{name}（{code}）", parent, cells)


def _functional_path(name: str, catalog: Catalog) -> Item | None:
    """"城乡社区支出(类)国有土地使用权出让收入安排的支出(款)其他…(项)" → the 项's code, level by level."""
    parts = _PATH.findall(name)
    subject = None
    for text, level in parts:
        stem = text.strip()
        if subject is None:
            if level != "类":
                return None
            found = [s for n in (stem, stem + "支出") for s in catalog.functional_by_name(n) if s.level == "类"]
        else:
            wanted = {stem, stem + "支出"}
            found = [s for s in catalog.children(subject.code) if wanted & set(s.names)]
        if not found:
            return None
        subject = found[0]
    return _functional_item(subject.code, subject.name) if subject else None


def _class_by_name(name: str, catalog: Catalog) -> Item | None:
    for n in (name, name + "支出" if not name.endswith("支出") else None):
        if n is None:
            continue
        found = [s for s in catalog.functional_by_name(n) if s.level == "类"]
        # "其他支出" alone is too loose a name to be the 类 229
        if len(found) == 1 and found[0].code != "229":
            return _functional_item(found[0].code, found[0].name)
    return None


def _economic_by_name(name: str, catalog: Catalog) -> Item | None:
    found = [s for s in catalog.economic_by_name(name) if s.level == "类"]
    if len(found) != 1 or found[0].code == "399":  # "其他支出" alone is too loose
        return None
    s = found[0]
    return Item(f"经济:{s.code}", f"{s.name}（{s.code}）", _ECONOMIC_PARENT.get(s.group or ""),
                (CellSpec("JS06", None, None, None, s.code, True),))


def ancestors(item: Item) -> list[str]:
    """The keys above an item, nearest first (functional codes and the fixed hierarchy)."""
    out: list[str] = []
    key = item.parent
    while key is not None and key not in out:
        out.append(key)
        if key.startswith("功能:"):
            code = key[3:]
            key = f"功能:{code[:-2]}" if len(code) > 3 else None
        else:
            nxt = ITEMS.get(key)
            key = nxt.parent if nxt else None
    return out


def is_under(item: Item | None, other: Item | None) -> bool:
    """True when `item` is a strict part of `other` (人员经费 under 基本支出, a 款 under its 类)."""
    return item is not None and other is not None and other.key in ancestors(item)


_QUALIFIERS = ("一般公共预算", "政府性基金", "国有资本经营", "财政拨款", "三公")


def qualifiers(name: str) -> frozenset[str]:
    """The fund words a name carries: 项目支出 and 一般公共预算项目支出 are one item to the tables, but not the
    same base for a share."""
    return frozenset(q for q in _QUALIFIERS if q in name)
