"""Text normalisation for labels, titles and header parts (domain.md §7.5)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』〝〞＂")
# Ordinals in front of row labels: "一、", "（一）", "(1)", "1.", "1、", "第一，" …
_ORDINAL = re.compile(
    r"^(?:[一二三四五六七八九十百零〇]+[、.．,，]|[(（][一二三四五六七八九十百零〇]+[)）][、.．]?|[(（][0-9]+[)）]|[0-9]+[、．](?!\d)|[0-9]+\.(?!\d))"
)
_SUBSET = re.compile(r"^其中[:：]?")


def norm(text: str) -> str:
    """NFKC (full-width → half-width, （）→()), no whitespace at all, no quotes."""
    return _norm(text) if len(text) <= 256 else _normalise(text)  # the cache keeps labels, not whole essays


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
