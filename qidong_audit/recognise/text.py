"""Text normalisation for labels, titles and header parts (domain.md §7.5)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』〝〞＂")
# Ordinals in front of row labels: "一、", "（一）", "(1)", "1.", "1、", "第一，" …
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十百零〇]+[、.．,，]|[(（][一二三四五六七八九十百零〇]+[)）][、.．]?|[(（][0-9]+[)）]|[0-9]+[、．](?!\d)|[0-9]+\.(?!\d))"
)
_SUBSET = re.compile(r"^其中[:：]?")


SHORT_TEXT = 256  # the caches keep labels, not whole essays

T = TypeVar("T")


def norm(text: str) -> str:
    """NFKC (full-width → half-width, （）→()), no whitespace at all, no quotes."""
    return _norm(text) if len(text) <= SHORT_TEXT else _normalise(text)


def text_cache(maxsize: int) -> Callable[[Callable[[Any], T]], Callable[[Any], T]]:
    """lru_cache for a function of one cell value that remembers short texts only: labels, codes and header
    words recur in every row of every file, while a long text is a one-off that would only fill the cache.
    Other values (numbers: 1 == 1.0 == True, yet they read differently) are worked out every time."""

    def decorate(function: Callable[[Any], T]) -> Callable[[Any], T]:
        cached = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(value: Any) -> T:
            if value.__class__ is str and len(value) <= SHORT_TEXT:
                return cached(value)
            return function(value)

        return call

    return decorate


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    s = "".join(s.split())
    return s.translate(_QUOTES)


_norm = lru_cache(maxsize=65536)(_normalise)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def strip_ordinal(label: str) -> str:
    """"一、一般公共服务支出" → "一般公共服务支出". Only a leading ordinal followed by more text."""
    m = _ORDINAL.match(label)
    if m and m.end() < len(label):
        return label[m.end():]
    return label


def is_subset_label(label: str) -> bool:
    """"其中：…" rows are parts of the row above, never summed into a total."""
    return bool(_SUBSET.match(label))


def strip_subset(label: str) -> str:
    return _SUBSET.sub("", label)
