"""The check language of rule packs: linear (in)equalities over table cells addressed by labels.

    JS03[合计, 本年支出合计] = JS03[合计, 基本支出] + JS03[合计, 项目支出] + ?JS03[合计, 经营支出]
    JS01[支出:本年支出合计] = sum(JS01[支出:@类])
    JS05[$, 合计] <= JS03[$, 本年支出合计]

A reference is TABLE[row, column]. The row is a label (optionally "panel:label"), "#code", "$" (the row
being iterated by the rule's `for`), or "@类"/"@款"/"@项" (every row of that level; only inside sum()).
The column may be left out where the panel has one amount column; in a single-row table (三公) the one
selector is the column. "?" before a reference makes a missing row or column count as zero (a missing
table still makes the check not assessable).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

_TABLE = re.compile(r"[A-Z]{2}\d{2}")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
OPS = {"=": "=", "==": "=", "<=": "<=", ">=": ">=", "≤": "<=", "≥": ">="}


class ExprError(ValueError):
    def __init__(self, message: str, position: int):
        super().__init__(message)
        self.position = position


@dataclass(frozen=True, slots=True)
class Ref:
    table: str
    row: str | None  # None in a single-row table
    column: str | None
    optional: bool = False
    aggregate: bool = False  # inside sum(): the row selector may name many rows

    def text(self) -> str:
        inner = ", ".join(x for x in (self.row, self.column) if x is not None)
        core = f"{self.table}[{inner}]"
        return f"{'?' if self.optional else ''}{f'sum({core})' if self.aggregate else core}"


@dataclass(frozen=True, slots=True)
class Const:
    value: Decimal


@dataclass(frozen=True, slots=True)
class Check:
    left: tuple[tuple[int, Ref | Const], ...]  # (sign, term)
    op: str
    right: tuple[tuple[int, Ref | Const], ...]

    def refs(self) -> list[Ref]:
        return [t for _, t in self.left + self.right if isinstance(t, Ref)]


def parse_check(text: str) -> Check:
    p = _Parser(text)
    left = p.side()
    op = p.op()
    right = p.side()
    p.skip()
    if p.i != len(text):
        raise ExprError(f"多余的内容「{text[p.i:]}」", p.i)
    return Check(tuple(left), op, tuple(right))


def parse_selector(text: str) -> Ref:
    """A `for` selector: TABLE[rows] (rows: "*", "@类", "panel:@类"), no column."""
    p = _Parser(text)
    ref = p.ref(optional=False, aggregate=True)
    p.skip()
    if p.i != len(text):
        raise ExprError(f"多余的内容「{text[p.i:]}」", p.i)
    return ref


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.i = 0

    def skip(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def peek(self, s: str) -> bool:
        self.skip()
        return self.text.startswith(s, self.i)

    def side(self) -> list[tuple[int, Ref | Const]]:
        terms = []
        sign = 1
        if self.peek("-"):
            self.i += 1
            sign = -1
        terms.append((sign, self.term()))
        while True:
            if self.peek("+"):
                self.i += 1
                terms.append((1, self.term()))
            elif self.peek("-"):
                self.i += 1
                terms.append((-1, self.term()))
            else:
                return terms

    def op(self) -> str:
        self.skip()
        for tok in ("==", "<=", ">=", "=", "≤", "≥"):
            if self.text.startswith(tok, self.i):
                self.i += len(tok)
                return OPS[tok]
        raise ExprError("缺少比较符（=、<= 或 >=）", self.i)

    def term(self) -> Ref | Const:
        self.skip()
        optional = False
        if self.peek("?"):
            self.i += 1
            optional = True
        self.skip()
        if self.text.startswith("sum(", self.i):
            self.i += 4
            if self.peek("?"):
                self.i += 1
                optional = True
            ref = self.ref(optional, aggregate=True)
            self.skip()
            if not self.peek(")"):
                raise ExprError("sum( 缺少右括号", self.i)
            self.i += 1
            return ref
        m = _NUMBER.match(self.text, self.i)
        if m and not optional:
            self.i = m.end()
            return Const(Decimal(m.group()))
        return self.ref(optional, aggregate=False)

    def ref(self, optional: bool, aggregate: bool) -> Ref:
        self.skip()
        m = _TABLE.match(self.text, self.i)
        if not m:
            raise ExprError("这里应是表引用，如 JS03[合计, 本年支出合计]", self.i)
        self.i = m.end()
        if not self.peek("["):
            raise ExprError(f"表 {m.group()} 后应有 [行, 列]", self.i)
        end = self.text.find("]", self.i)
        if end < 0:
            raise ExprError("缺少右方括号 ]", self.i)
        inner = self.text[self.i + 1 : end].replace("，", ",")
        start = self.i + 1
        self.i = end + 1
        parts = [x.strip() for x in inner.split(",")]
        if len(parts) > 2 or any(not x for x in parts):
            raise ExprError(f"引用 [{inner}] 应为 [行] 或 [行, 列]", start)
        row = parts[0]
        column = parts[1] if len(parts) == 2 else None
        if not aggregate and (row.startswith("@") or ":@" in row or "：@" in row or row.endswith("*")):
            raise ExprError(f"「{row}」指多行，只能用在 sum(…) 中", start)
        return Ref(m.group(), row, column, optional, aggregate)
