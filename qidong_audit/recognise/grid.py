"""Each sheet row read once for recognition: its non-blank values, in column order.

Grids come with every empty cell of the used area (None), and title search, layout analysis and the
row checks all look at the same rows; collecting each row's non-blank values once per sheet spares every
step from walking the empty cells again and turning every value into text again."""

from __future__ import annotations

from qidong_audit.recognise.text import cell_text, norm


class Line:
    """One row's non-blank values: None and whitespace-only text are left out. Every other value prints as
    something (numbers, dates, booleans), so these are exactly the cells whose `cell_text(v).strip()` is
    not empty."""

    __slots__ = ("values", "strings", "only_text")

    def __init__(self, values: list[object], strings: list[str]) -> None:
        self.values = values  # every non-blank value, in column order
        self.strings = strings  # the values that are text, as written
        self.only_text = len(strings) == len(values)  # no number, date or boolean in the row

    @property
    def texts(self) -> list[str]:
        """Each value as printed, stripped (a whole float 3.0 prints "3")."""
        return [cell_text(v).strip() for v in self.values]

    @property
    def norms(self) -> list[str]:
        """The text values, normalised."""
        return [norm(s) for s in self.strings]


_EMPTY = Line([], [])


def lines_of(rows: list[list[object]]) -> list[Line]:
    """A Line for every row of the grid, in order (empty rows share one empty Line)."""
    out: list[Line] = []
    append = out.append
    for row in rows:
        values = [v for v in row if v is not None]
        if not values:
            append(_EMPTY)
            continue
        strings = [v for v in values if isinstance(v, str)]
        for s in strings:
            if not s or s.isspace():  # isspace() is strip()'s notion of space: a blank text, left out
                values = [v for v in values if not isinstance(v, str) or (v and not v.isspace())]
                strings = [v for v in strings if v and not v.isspace()]
                break
        append(Line(values, strings) if values else _EMPTY)
    return out
