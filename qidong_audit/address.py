"""A1 cell addresses: column letters and numbers, both ways. The reader, recognition, the template writer and the
report all name cells so; this is the one place that spells them."""

from __future__ import annotations


def column_letters(col: int) -> str:
    """0-based column → "C" (a1 without the row, for building many addresses in one column)."""
    letters = ""
    c = col + 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, col) → "C12"."""
    return f"{column_letters(col)}{row + 1}"


def column_number(letters: str) -> int:
    """"C" (or "c") → 3: the 1-based column of a run of letters."""
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


def place(ref: str | None) -> tuple[int, int]:
    """"E12" → (12, 5): the 1-based row and column of an address, for ordering and drawing cells; whatever is
    not a letter or a digit is passed over, and no address is (0, 0)."""
    if not ref:
        return (0, 0)
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    return int(digits or 0), column_number(letters)
