"""The claim grammar: a left-to-right parser over each sentence's tokens (see tokens.py).

    paragraph  := ENUM? sentence*                       an ENUM paragraph may be an item of a list left open
    sentence   := clause (("," | ";" | ":") clause)* "。"
    clause     := chunk* ; chunk := prefix quantity      the prefix (words and cue words) gives the role
    figure     := name quantity                         基本支出940.12万元 — a level
    breakdown  := figure (其中|包括|依次为|如下) ":"? part ("、"|","|";" part)*     parts: figures of the same kind
                | figure … 如下 ":" ⏎ ENUM part … ⏎ ENUM part …                     a list across paragraphs
    share      := (占 base 的? | 占比 | 比重) PERCENT      of the figure before it; base = the list's total if unnamed
    dist-share := 分别占 base? PERCENT (("、"|"和"|",") PERCENT)+      over the last group of figures
    paired     := name ("、" name)+ (分别为|依次为) quantity ("、" quantity)+      收、支总计分别为A、B
    grouped    := name ("、" name)* N项? 均为 quantity ("," 占比均为 PERCENT)?  六项均为0万元，占比均为0%
    change     := CMP? (增加|减少…) 了? quantity ("," (增加|减少…)? quantity)?     amount and rate, either order
                | 上年为 quantity | 由 quantity 增加到 quantity
    completion := 完成预算的 PERCENT | 预算执行率 PERCENT   with the 预算数/决算数 figures of its sentence
    all-done   := 均已办结 … 办结率 PERCENT

Everything a sentence says about the same figures is gathered into Claims; judging them is verdicts.py's job.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from qidong_audit.catalog import Catalog, load_catalog
from qidong_audit.claims.items import clean_name, is_under, qualifiers, resolve
from qidong_audit.claims.model import (
    AllDone, Breakdown, Change, Claims, Completion, Figure, Handled, Place, Quantity, Share,
)
from qidong_audit.claims.tokens import Token, tokenize
from qidong_audit.io.documents import Document, Paragraph

_CUES = {"QIZHONG", "BAOKUO", "YICI", "RUXIA", "MAINLY"}
_HARD = {"ENUM", "DATE", "CMP", "PREV", "TO", "FROM", "QIZHONG", "BAOKUO", "YICI", "RUXIA", "MAINLY", "FENBIEZHAN", "FENBIE",
         "ALLDONE", "JUN", "COMPLETE", "ZHANBI", "ZHAN", "INC", "DEC", "COLON"}
_NAMEISH = {"WORD", "OPEN", "CLOSE", "SEP"}
_FILLER = re.compile(r"^(?:了|为|是|达|达到|共|共计|约|近|的|分别|均|比|幅度为|幅度|额为|率为|了约)?$")
_DONE = re.compile(r"办结|办理完毕|处理完毕|答复|回复|办件")
_RECEIVED = re.compile(r"受理|来电|接听|接到|收到|登记|接收|来信|来访|诉求总量|工单总量|咨询投诉")
_N_ITEMS = re.compile(r"(?:等)?[一二三四五六七八九十两\d]+项$|等$")
_YEAR = re.compile(r"(20\d{2})\s*年度")
_GENERIC = {"", "支出", "决算数", "预算数", "决算", "预算", "实际支出", "数", "金额"}
_DATE_YEAR = re.compile(r"^(\d{4})")
_WITHIN = re.compile(r"^(?:在)?(.{2,30}?)(?:当)?中$")


def enum_style(text: str) -> str:
    t = "".join(text.split())
    if t.startswith("("):
        return "(1)" if t[1].isdigit() else "(一)"
    if t[0].isdigit():
        return "1、" if t.endswith("、") else "1."
    if "①" <= t[0] <= "⑳":
        return "①"
    return "一是" if t.endswith("是") else "一、"


@dataclass
class _Frame:
    """An open list: a total and the parts seen so far."""

    total: Figure
    cue: str
    paren: int = 0
    style: str | None = None  # the ENUM style of its items, when they are numbered
    item_has_part: bool = False
    parts: list[Figure] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.total.qty.kind

    @property
    def partial(self) -> bool:
        """主要用于/主要包括 lists the main parts only: they may fall short of the total, never exceed it."""
        return self.cue.startswith("主要")


@dataclass
class _ChangeFrame:
    name: str
    place: Place
    current: Figure | None = None
    delta: Quantity | None = None
    delta_sign: int = 0
    rate: Quantity | None = None
    rate_sign: int = 0
    previous: Quantity | None = None
    skip: bool = False  # a change of a rate (满意率比上年提高2%): not a claim about amounts


class _Parser:
    def __init__(self, catalog: Catalog | None, year: int | None = None) -> None:
        self.catalog = catalog
        self.year = year
        self.claims = Claims()
        self.seq = 0
        self.heading = ""
        self.across: _Frame | None = None  # a list whose items are the following ENUM paragraphs
        self.par_levels: list[Figure] = []
        self.carry: list[_Frame] = []
        self.in_item = False

    # -- paragraphs ---------------------------------------------------------------------------------

    def paragraph(self, index: int, par: Paragraph) -> None:
        self.par = par
        self.index = index
        toks = tokenize(par.text)
        quantities = [t for t in toks if t.quantity]
        first = toks[0] if toks else None
        if not quantities and (len(par.text) <= 40 or (first is not None and first.kind == "ENUM")):
            if not any(t.kind in _CUES for t in toks):
                self._close_across()
                self.heading = par.text
                return
        is_item = False
        if self.across is not None:
            if first is not None and first.kind == "ENUM" and (self.across.style in (None, enum_style(first.text))):
                self.across.style = enum_style(first.text)
                self.across.item_has_part = False
                is_item = True
            else:
                self._close_across()
        self.in_item = is_item
        previous_levels = self.par_levels
        self.par_levels = []
        self.carry: list[_Frame] = []
        start = 0
        for i, t in enumerate(toks):
            if t.kind == "STOP" or i == len(toks) - 1:
                nxt = toks[i + 1] if i + 1 < len(toks) else None
                self.sentence(toks[start:i + 1], nxt, previous_levels)
                start = i + 1

    def _close_across(self) -> None:
        if self.across is not None:
            self._emit(self.across)
            self.across = None

    def finish(self) -> Claims:
        self._close_across()
        return self.claims

    # -- sentences ----------------------------------------------------------------------------------

    def sentence(self, toks: list[Token], following: Token | None, previous_levels: list[Figure]) -> None:
        if not toks:
            return
        s_start, s_end = toks[0].start, toks[-1].end
        self.sentence_text = self.par.text[s_start:s_end].strip()
        self.levels: list[Figure] = []
        self.frames: list[_Frame] = self.carry
        self.carry = []
        self.closed_parts: list[Figure] = []
        self.paren = 0
        self.prefix: list[Token] = []
        self.paired: list[str] | None = None
        self.dist: tuple[list[Figure], str] | None = None
        self.grouped_names: list[str] | None = None
        self.group: list[Figure] | None = None  # the figures of the last 分别为 / 均为
        self.changes: list[_ChangeFrame] = []
        self.completion_next = False
        self.rates: list[Figure] = []
        self.sentence_figs: list[Figure] = []  # levels and rates, in order
        self.year_said: int | None = None  # the last year the sentence names ("2020年…")
        self.all_done: Token | None = None
        self.previous_levels = previous_levels
        for i, t in enumerate(toks):
            nxt = toks[i + 1] if i + 1 < len(toks) else following
            self.token(t, nxt, toks, i)
        self._end_sentence(following)

    def token(self, t: Token, nxt: Token | None, toks: list[Token], i: int) -> None:
        k = t.kind
        if k == "NUM" and t.quantity:
            self.quantity(t, nxt)
            self.prefix = []
            return
        if k == "OPEN":
            self.paren += 1
        elif k == "CLOSE":
            self.paren = max(0, self.paren - 1)
            while self.frames and self.frames[-1].paren > self.paren:
                self._emit(self.frames.pop())
        if k in ("COMMA", "SEMI", "COLON", "STOP"):
            if k == "SEMI":
                while len(self.frames) > 1 and self.frames[-1].style is None:
                    self._emit(self.frames.pop())
            if k in ("COMMA", "COLON") and not self.sentence_figs:
                self._open_within()
            if k != "COLON":
                self.paired = self.paired if k == "COMMA" and self.paired else None
            self.prefix = []
            return
        if k == "ENUM":
            self._enum(t)
            self.prefix = [t]
            return
        if k == "DATE" and (m := _DATE_YEAR.match(t.text)):
            self.year_said = int(m.group(1))
        if k in _CUES and not self._negated():
            if k == "YICI" and len(self._names()) >= 2:
                self.paired = self._names()
            elif not (self.frames and not self.frames[-1].parts and self.prefix and self.prefix[-1].kind in _CUES):
                self._open(t, toks, i)  # (主要用于以下方面: one list, not two)
        elif k == "FENBIE":
            names = self._names()
            if len(names) >= 2:
                self.paired = names
            elif names and re.search(r"[和及与]", names[0]):
                self.paired = [n for n in re.split(r"[和及与]", names[0]) if n]
        elif k == "FENBIEZHAN":
            group = self.group or (self.frames[-1].parts if self.frames else self.closed_parts)
            self.dist = (list(group), "")
        elif k == "JUN":
            names = [n for n in (_N_ITEMS.sub("", x) for x in self._names()) if n]
            self.grouped_names = names
        elif k == "ALLDONE":
            self.all_done = t
        elif k == "COMPLETE":
            self.completion_next = True
        self.prefix.append(t)

    def _negated(self) -> bool:
        return bool(self.prefix) and self.prefix[-1].kind == "WORD" and self.prefix[-1].text.endswith("不")

    # -- names --------------------------------------------------------------------------------------

    def _name_tokens(self, prefix: list[Token] | None = None) -> list[Token]:
        out: list[Token] = []
        for t in reversed(self.prefix if prefix is None else prefix):
            if t.kind in _NAMEISH or (t.kind == "NUM" and not t.quantity):
                out.append(t)
            elif t.kind in _HARD or t.kind == "NUM":
                break
        return list(reversed(out))

    def _raw_name(self) -> str:
        toks = self._name_tokens()
        return self.par.text[toks[0].start:toks[-1].end] if toks else ""

    def _names(self, prefix: list[Token] | None = None) -> list[str]:
        """The names before a 分别为/均为: split at 、, a short stem taking the last name's suffix (收、支总计)."""
        toks = self._name_tokens(prefix)
        names, cur = [], []
        for t in toks:
            if t.kind == "SEP":
                names.append("".join(x.text for x in cur))
                cur = []
            else:
                cur.append(t)
        names.append("".join(x.text for x in cur))
        names = [clean_name(n)[0] for n in names]
        names = [n for n in names if n]
        if len(names) == 2 and names[0].endswith("收") and names[1].startswith("支"):
            head, tail = names[0][:-1], names[1][1:]  # 财政拨款收、支总计 → 财政拨款收入总计, 财政拨款支出总计
            return [f"{head}收入{tail}", f"{head}支出{tail}"]
        if len(names) >= 2:
            last = names[-1]
            for j, n in enumerate(names[:-1]):
                if len(n) <= 2 < len(last) and not last.startswith(n):
                    names[j] = n + last[len(n):]
            names = [_stem(n) for n in names]
        return names

    def _figure(self, name: str, q: Token, basis: str | None = None) -> Figure:
        cleaned, b = clean_name(name)
        if basis is None and self.year_said is not None and self.year is not None and self.year_said < self.year:
            b = "上年"  # "2020年度支出100万元" in the 2021 report is last year's figure
        self.seq += 1
        quantity = Quantity(q.value, q.decimals, q.unit, q.quantity, q.text, q.qualifier)
        place = Place(self.par.line_at(q.start), self.sentence_text, self.index)
        item = resolve(cleaned, self.catalog) if q.quantity in ("money",) else None
        return Figure(cleaned, quantity, place, basis or b, f"{self.heading}\n{self.sentence_text}", self.seq, item)

    def _place(self, t: Token) -> Place:
        return Place(self.par.line_at(t.start), self.sentence_text, self.index)

    def _last_kw(self) -> tuple[Token | None, str]:
        """The last cue word before the quantity and the words between them."""
        words = []
        for t in reversed(self.prefix):
            if t.kind in _HARD and t.kind not in ("ENUM", "COLON"):
                return t, "".join(reversed(words))
            if t.kind in ("ENUM", "DATE"):
                break
            words.append(t.text)
        return None, "".join(reversed(words))

    # -- quantities ---------------------------------------------------------------------------------

    def quantity(self, q: Token, nxt: Token | None) -> None:
        kw, between = self._last_kw()
        kind = q.quantity
        if kind == "points":
            return
        if kind == "percent":
            self._percent(q, kw, between)
            return
        if self.paired:
            fig = self._figure(self.paired.pop(0), q)
            if self.group is None or self.group[-1].qty.kind != kind:
                self.group = []
            self.group.append(fig)
            self._level(fig)
            return
        if kw is not None and kw.kind == "JUN":
            names = self.grouped_names or [""]
            self.group = []
            for n in names:
                fig = self._figure(n, q)
                self.group.append(fig)
                self._level(fig)
            return
        if kw is not None and kw.kind in ("INC", "DEC") and _FILLER.match(between):
            frame = self._change_frame(kw)
            if frame.delta is None:
                frame.delta, frame.delta_sign = self._qty(q), 1 if kw.kind == "INC" else -1
            return
        if kw is not None and kw.kind == "TO":
            frame = self._change_frame(kw)
            fig = self._figure(frame.name or "", q)
            frame.current = fig
            self._level(fig)
            return
        if kw is not None and kw.kind in ("PREV", "FROM") and _FILLER.match(between):
            frame = self._change_frame(kw)
            frame.previous = self._qty(q)
            return
        name = self._raw_name()
        if not clean_name(name)[0] and self.levels and all(t.kind == "SEP" for t in self.prefix):
            name = self.levels[-1].name  # 10个批次、92人次: the second figure is of the same thing
        fig = self._figure(name, q)
        last = self._last_level((kind,))
        if fig.name in _GENERIC and last is not None and kind == "money" and fig.basis != last.basis:
            # 三公经费预算为20万元，(支出)决算为15万元: the second figure is of the same item
            fig = self._figure(last.name, q, fig.basis)
        if fig.basis == "上年":
            self.claims.figures.append(fig)
            frame = self._change_for(fig)
            if frame is not None and frame.previous is None:
                frame.previous = fig.qty
            return
        self.group = None
        self._level(fig)

    def _qty(self, q: Token) -> Quantity:
        return Quantity(q.value, q.decimals, q.unit, q.quantity, q.text, q.qualifier)

    def _percent(self, q: Token, kw: Token | None, between: str) -> None:
        pct = self._qty(q)
        place = self._place(q)
        if self.dist is not None:
            group, base = self.dist
            if group:
                part = group.pop(0)
                base_name = clean_name(between)[0] if kw is not None and kw.kind == "FENBIEZHAN" else ""
                self.dist = (group, base_name or base)
                self._share(part, pct, place, base_name or base)
            return
        if kw is not None and kw.kind == "JUN":
            for fig in self.group or []:
                self._share(fig, pct, place, "")
            return
        if kw is not None and kw.kind in ("ZHAN", "ZHANBI"):
            part = self._last_level(("money", "count"))
            if part is not None:
                self._share(part, pct, place, clean_name(self._base_words(kw, between))[0])
            return
        if kw is not None and kw.kind in ("INC", "DEC") and _FILLER.match(between):
            frame = self._change_frame(kw)
            if frame.rate is None:
                frame.rate, frame.rate_sign = pct, 1 if kw.kind == "INC" else -1
            return
        if self.completion_next or (kw is not None and kw.kind == "COMPLETE"):
            self.completion_next = False
            self._completion(pct, place)
            return
        names = [self.paired.pop(0)] if self.paired else self._names()
        if not names and self.levels and self.levels[-1].qty.kind == "money":
            self._share(self.levels[-1], pct, place, "")
            return
        for n in names or [""]:
            fig = self._figure(n, q)
            self.rates.append(fig)
            self.sentence_figs.append(fig)
            self.claims.figures.append(fig)

    def _base_words(self, kw: Token, between: str) -> str:
        """The base of a share: 占[财政拨款支出总额]的X%, 占[总支出]比重为X% (占比 alone names none)."""
        if kw.kind == "ZHAN":
            return between
        words: list[str] = []
        for t in reversed(self.prefix[: self.prefix.index(kw)]):
            if t.kind == "ZHAN":
                return "".join(reversed(words))
            if t.kind not in ("WORD", "OPEN", "CLOSE"):
                break
            words.append(t.text)
        return ""

    def _share(self, part: Figure, pct: Quantity, place: Place, base_name: str) -> None:
        base = None
        if not base_name:
            for frame in reversed(self.frames + ([self.across] if self.across else [])):
                if part in frame.parts:
                    base = frame.total
                    break
        self.claims.shares.append(Share(part, pct, place, base_name, base))

    def _completion(self, rate: Quantity, place: Place) -> None:
        """完成预算的X%: of the last 决算 figure before it, against the 预算 figure of the same item."""
        pool = [f for f in (self.levels or self.par_levels) if f.qty.kind == "money"]
        actual = next((f for f in reversed(pool) if f.basis == "决算"), None)
        earlier = [*reversed(self.par_levels), *reversed(self.previous_levels)]
        if actual is not None:
            budget = next((f for f in earlier if f.basis == "预算" and f.qty.kind == "money" and _same_item(f, actual)), None)
        else:
            budget = next((f for f in reversed(pool) if f.basis == "预算"), None)
        self.claims.completions.append(Completion(place, rate, actual.name if actual else self._raw_name(), budget, actual))

    def _last_level(self, kinds: tuple[str, ...]) -> Figure | None:
        for f in reversed(self.levels):
            if f.qty.kind in kinds:
                return f
        return None

    # -- levels and lists ---------------------------------------------------------------------------

    def _level(self, fig: Figure) -> None:
        self.claims.figures.append(fig)
        self.sentence_figs.append(fig)
        self._as_part(fig)
        self.levels.append(fig)
        self.par_levels.append(fig)

    def _as_part(self, fig: Figure) -> None:
        while self.frames:
            top = self.frames[-1]
            if len(self.frames) > 1 and fig.item is not None and top.total.item is not None and fig.qty.kind == top.kind:
                outer = self.frames[-2]
                if not is_under(fig.item, top.total.item) and (
                    outer.total.item is None or is_under(fig.item, outer.total.item)
                    or fig.item.parent == top.total.item.parent
                ):
                    self._emit(self.frames.pop())
                    continue
            if self._accepts(top, fig):
                top.parts.append(fig)
                top.item_has_part = True
            return
        if self.across is not None and self.in_item and self._accepts(self.across, fig):
            self.across.parts.append(fig)
            self.across.item_has_part = True

    @staticmethod
    def _accepts(frame: _Frame, fig: Figure) -> bool:
        if fig.qty.kind != frame.kind or fig.basis == "上年" or frame.item_has_part and frame.style is not None:
            return False
        if fig.item is not None and frame.total.item is not None and fig.item.key == frame.total.item.key:
            return False
        return not any(is_under(fig.item, p.item) for p in frame.parts)

    def _open(self, cue: Token, toks: list[Token], i: int) -> None:
        total = self._last_level(("money", "count"))
        opens_sentence = all(t.kind in ("ENUM", "COMMA", "COLON") for t in toks[:i])
        if total is None and (opens_sentence or cue.kind == "RUXIA"):
            # "…万元。其中：…" and "…万元。具体支出如下：" list the total of the sentence before
            earlier = [f for f in self.par_levels if f.qty.kind in ("money", "count")]
            if earlier:
                total = earlier[-1]
            elif toks[0].start == 0 and self.previous_levels and self.previous_levels[-1].qty.kind != "percent":
                total = self.previous_levels[-1]  # "其中：" opening a paragraph lists the last one's total
        if total is None:
            return
        rest = [t for t in toks[i + 1:] if t.kind not in ("COLON", "STOP", "SPACE")]
        if not rest and self.par.text[toks[-1].end:].strip(" \t:：。") == "":
            self._close_across()
            self.across = _Frame(total, cue.text)
            return
        self.frames.append(_Frame(total, cue.text, self.paren))

    def _open_within(self) -> None:
        """"(在)基本支出中，人员经费…": a list of the parts of a total stated in an earlier sentence."""
        words = [t for t in self.prefix if t.kind != "ENUM"]
        if len(words) != 1 or words[0].kind != "WORD" or not (m := _WITHIN.match(words[0].text)):
            return
        name = clean_name(m.group(1))[0]
        item = resolve(name, self.catalog)
        for f in [*reversed(self.par_levels), *reversed(self.previous_levels)]:
            if f.qty.kind == "money" and f.basis == "决算" and (
                    f.name == name or (item is not None and f.item is not None and f.item.key == item.key
                                       and qualifiers(f.name) == qualifiers(name))):
                self.frames.append(_Frame(f, words[0].text, self.paren))
                return

    def _enum(self, t: Token) -> None:
        style = enum_style(t.text)
        for j in range(len(self.frames) - 1, -1, -1):
            if self.frames[j].style == style:
                while len(self.frames) > j + 1:
                    self._emit(self.frames.pop())
                self.frames[j].item_has_part = False
                return
        if self.frames and not self.frames[-1].parts and self.frames[-1].style is None:
            self.frames[-1].style = style
            self.frames[-1].item_has_part = False

    def _emit(self, frame: _Frame) -> None:
        if frame.parts:
            self.closed_parts = list(frame.parts)
            self.claims.breakdowns.append(Breakdown(frame.total, tuple(frame.parts), frame.cue, frame.partial))

    # -- changes ------------------------------------------------------------------------------------

    def _change_frame(self, kw: Token) -> _ChangeFrame:
        """The change a 增加/减少/上年为 belongs to: a new one when a name precedes it, else the open one."""
        before = self.prefix[: self.prefix.index(kw)] if kw in self.prefix else self.prefix
        before = [t for t in before if t.kind not in ("CMP", "FROM", "INC", "DEC", "TO")]
        names = self._names(before)
        name = re.sub(r"(?:与|较|比|同)$", "", names[-1]) if names else ""
        if self.changes and (not name or name == self.changes[-1].name):
            return self.changes[-1]
        current, skip = None, False
        if name:
            name = _stem(name)
            item = resolve(name, self.catalog)
            for f in [*reversed(self.par_levels), *reversed(self.previous_levels)]:
                if f.name == name or (item is not None and f.item is not None and f.item.key == item.key
                                      and qualifiers(f.name) == qualifiers(name)):
                    current = f
                    break
        elif self.sentence_figs:  # the change is of the figure just stated (a rate's change is not checked)
            last = self.sentence_figs[-1]
            current = last if last.qty.kind != "percent" else None
            skip = last.qty.kind == "percent"
        else:  # "…万元。与上年相比，增加…": the sentence before, in the same paragraph
            pool = [f for f in self.par_levels if f.qty.kind in ("money", "count")]
            current = pool[-1] if pool else None
        frame = _ChangeFrame(name or (current.name if current else ""), self._place(kw), current, skip=skip)
        self.changes.append(frame)
        return frame

    def _change_for(self, fig: Figure) -> _ChangeFrame | None:
        for frame in reversed(self.changes):
            if frame.name == fig.name:
                return frame
        return None

    # -- end of sentence ----------------------------------------------------------------------------

    def _end_sentence(self, following: Token | None) -> None:
        keep: list[_Frame] = []
        for frame in self.frames:
            if frame.style is not None and following is not None and following.kind == "ENUM" and enum_style(following.text) == frame.style:
                keep.append(frame)
            else:
                self._emit(frame)
        self.carry = keep
        for c in self.changes:
            if c.skip or (c.delta is None and c.rate is None and c.previous is None):
                continue
            self.claims.changes.append(Change(c.place, c.name, c.current, c.delta, c.delta_sign, c.rate, c.rate_sign, c.previous))
        counts = [f for f in self.levels if f.qty.kind == "count"]
        for j, done in enumerate(counts):
            if _DONE.search(done.name) and not _RECEIVED.search(done.name):
                received = next((f for f in reversed(counts[:j]) if _RECEIVED.search(f.name)), None)
                if received is not None:
                    self.claims.handled.append(Handled(received, done))
        if self.all_done:
            rates = tuple(f for f in self.rates if "办结" in f.name)
            self.claims.all_done.append(AllDone(self._place(self.all_done), rates))


def _same_item(a: Figure, b: Figure) -> bool:
    return a.name == b.name or (a.item is not None and b.item is not None and a.item.key == b.item.key)


def _stem(name: str) -> str:
    """收总计 → 收入总计, 支总计 → 支出总计 (a one-character stem of a paired list)."""
    if name.startswith("收") and not name.startswith("收入"):
        return "收入" + name[1:]
    if name.startswith("支") and not name.startswith("支出"):
        return "支出" + name[1:]
    return name


def document_year(doc: Document) -> int | None:
    years = Counter(int(m.group(1)) for p in doc.paragraphs for m in _YEAR.finditer(p.text))
    return years.most_common(1)[0][0] if years else None


def extract(doc: Document, catalog: Catalog | None = None) -> Claims:
    """Every figure and claim of a report, in reading order."""
    year = document_year(doc)
    parser = _Parser(catalog or load_catalog(year), year)
    for i, par in enumerate(doc.paragraphs):
        parser.paragraph(i, par)
    claims = parser.finish()
    claims.year = year
    return claims


def extract_text(text: str, catalog: Catalog | None = None) -> Claims:
    """Claims of a text given inline (one paragraph per line): for tests and for library users."""
    paragraphs = tuple(Paragraph(s.strip(), n) for n, s in enumerate(text.splitlines(), 1) if s.strip())
    return extract(Document("<text>", "text", paragraphs), catalog)
