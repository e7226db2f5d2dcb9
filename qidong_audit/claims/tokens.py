"""The tokenizer of report sentences: quantities with their units, the cue words of the claim grammar,
punctuation, and the words in between.

Text is normalised one character at a time (NFKC: full-width digits, ，；：（）％ → half-width), so every
token's offsets are offsets into the text as written and excerpts quote the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

MONEY_UNITS = {"元": Decimal("0.0001"), "千元": Decimal("0.1"), "万元": Decimal(1), "亿元": Decimal(10000)}

_CN = "一二三四五六七八九十"
_YEAR = r"(?:上年|去年|上一年度?|上年度|上年同期|去年同期|\d{4}\s*年度?)"
_COUNT_UNITS = (
    "人次|批次|户次|架次|个|件|次|辆|人|名|项|家|条|台|户|场|套|份|张|所|处|篇|期|笔|起|宗|座|例|封|单"
)

# Order matters: at each position the first alternative that matches wins.
_SPEC = [
    # list item markers, only where a clause or paragraph starts: 1、 (1) 一、 (一) 一是 ① 1.
    ("ENUM", rf"(?:(?<=^)|(?<=[:;。!?\s]))(?:\(\d{{1,2}}\)|\d{{1,2}}\s*[、.](?![\d])|[{_CN}]{{1,3}}\s*[、]"
             rf"|\([{_CN}]{{1,3}}\)|[{_CN}]{{1,3}}是|[①-⑳])"),
    ("CMP", rf"(?:与|和|同){_YEAR}(?:同期)?(?:相比|比较|对比|比)?|(?:较|比){_YEAR}(?:同期)?|同比"),
    ("PREV", r"(?:上年|去年|上一年度?|上年度)(?:同期)?(?:决算数?|实际支出|支出|数)?(?:为|是)"),
    ("DATE", r"\d{4}\s*年度?(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?"
             r"|\d{1,2}\s*[日号](?![\d])|\d+\s*号"),
    ("NUM", rf"(?<![\d.])(?:\d{{1,3}}(?:,\d{{3}}(?!\d))+|\d+)(?:\.\d+)?"
            rf"(?:\s*(?P<unit>%|个百分点|百分点|亿元|万元|千元|元|亿|万?个?(?:人次|批次|户次|架次)|万?(?:{_COUNT_UNITS})))?"),
    ("TO", r"(?<=[加长升高少低降约])了?(?:至|到)"),
    ("FROM", r"由(?=\s*\d)"),
    ("QIZHONG", r"其中"),
    ("MAINLY", r"主要用于|主要包括|主要包含"),
    ("BAOKUO", r"包括|包含"),
    ("YICI", r"依次为|依次是"),
    ("RUXIA", r"如下|(?:以下|下列)(?:几个)?方面"),
    ("FENBIEZHAN", r"分别占"),
    ("FENBIE", r"分别为|分别是|分别达到?|分别"),
    ("ALLDONE", r"(?:均|全部|都|全)(?:已经?)?(?:办结|办理完毕|处理完毕|答复|回复)"),
    ("JUN", r"(?:均|都|全部|全)(?:为|是)"),
    ("COMPLETE", r"完成了?(?:年初|全年|年度|调整)?预算(?:数)?的?|预算(?:执行|完成)率(?:为|达到?)?|执行率(?:为|达到?)?"),
    ("ZHANBI", r"占比|所占比[重例]|比重|占的?比例"),
    ("ZHAN", r"占"),
    ("INC", r"增加|增长|上升|提高|增(?=了?\s*\d)|多(?=了?\s*\d)"),
    ("DEC", r"减少|下降|降低|节约|减(?=了?\s*\d)|少(?=了?\s*\d)"),
    ("SEP", r"、"),
    ("COMMA", r","),
    ("SEMI", r";"),
    ("COLON", r":"),
    ("STOP", r"[。!?]|\.(?!\d)"),
    ("OPEN", r"[(\[【〔]"),
    ("CLOSE", r"[)\]】〕]"),
    ("SPACE", r"\s+"),
    ("WORD", r"."),
]
_MASTER = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in _SPEC), re.S)
_QUALIFIER = re.compile(r"\s*(以上|以下|左右)")
_BEFORE = re.compile(r"(大约|约|将近|接近|近|超过|不到|不足|逾)\s*$")


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # as written
    start: int
    end: int
    value: Decimal | None = None  # NUM only
    decimals: int = 0
    unit: str = ""  # NUM only: "万元", "元", "%", "件", "" for a bare number
    qualifier: str = ""  # NUM only: 以上/以下/约/近/左右 … (the figure is not exact)

    @property
    def quantity(self) -> str | None:
        """"money", "count", "percent", "points" or None (a bare number, not a claim)."""
        if self.kind != "NUM" or not self.unit:
            return None
        if self.unit == "%":
            return "percent"
        if self.unit == "个百分点":
            return "points"
        if self.unit in MONEY_UNITS:
            return "money"
        return "count"


def normalise(text: str) -> str:
    """NFKC character by character (lengths kept): full-width digits and punctuation become half-width.
    Circled numbers stay (① is a list marker, not the digit 1)."""
    out = []
    for ch in text:
        if "①" <= ch <= "⑳":
            out.append(ch)
            continue
        n = unicodedata.normalize("NFKC", ch)
        out.append(n if len(n) == 1 else ch)
    return "".join(out)


def _unit(raw: str) -> tuple[str, Decimal]:
    """The canonical unit and the multiplier a 万 prefix carries (1.2万人次 = 12000 人次)."""
    if raw in ("百分点",):
        return "个百分点", Decimal(1)
    if raw == "亿":
        return "亿元", Decimal(1)
    scale = Decimal(1)
    if raw.startswith("万") and raw != "万元":
        raw, scale = raw[1:], Decimal(10000)
    if raw.startswith("个") and raw != "个百分点" and len(raw) > 1:
        raw = raw[1:]
    return raw, scale


def tokenize(text: str) -> list[Token]:
    """Tokens of one paragraph. Words are merged into runs; spaces are dropped."""
    norm = normalise(text)
    tokens: list[Token] = []
    for m in _MASTER.finditer(norm):
        kind = m.lastgroup
        if kind == "unit":  # pragma: no cover - the named unit group is inside NUM
            kind = "NUM"
        start, end = m.span()
        if m.group("NUM") is not None:
            tokens.append(_number(m, text, norm))
            continue
        if kind == "SPACE":
            continue
        if kind == "WORD" and tokens and tokens[-1].kind == "WORD" and tokens[-1].end == start:
            prev = tokens[-1]
            tokens[-1] = Token("WORD", text[prev.start:end], prev.start, end)
            continue
        tokens.append(Token(kind, text[start:end], start, end))
    return tokens


def _number(m: re.Match, text: str, norm: str) -> Token:
    start, end = m.span("NUM")
    raw_unit = m.group("unit") or ""
    digits = norm[start:end]
    if raw_unit:
        digits = digits[: digits.rstrip().rfind(raw_unit)] if digits.rstrip().endswith(raw_unit) else digits
    digits = "".join(digits.split()).replace(",", "")
    value = Decimal(digits)
    decimals = len(digits.split(".", 1)[1]) if "." in digits else 0
    unit, scale = _unit(raw_unit) if raw_unit else ("", Decimal(1))
    if scale != 1:
        decimals -= 4  # 1.2万人次 is known to ±500
    qualifier = ""
    after = _QUALIFIER.match(norm, end)
    if after and unit:
        qualifier = after.group(1)
    before = _BEFORE.search(norm, 0, start)
    if before and unit:
        qualifier = qualifier or before.group(1)
    return Token("NUM", text[start:end], start, end, value * scale, decimals, unit, qualifier)
