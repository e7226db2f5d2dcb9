"""The faster xlsx read path gives what the straightforward one gave, and keeps every protection.

- The zip is opened once per read; bounds.check_zip hands the parts it read whole on to xlsx_meta.scan, which
  then gives exactly what it gives reading the parts itself — never the other copy of a repeated name, never
  more than the bounded amount, and never before every container check has passed.
- xlsx_meta._extent reads each cell with one regex match and works out rows, columns and decimals in bulk; it
  is held to the answers (extent, message, decimals in order) of the straightforward version kept here, on
  drawn sheets and written-out odd cells, with chunks small enough to cut between cells.
- The file is read by the size stat gave, and still whole (and still refused past the limit) when it grew.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qidong_audit.io import bounds, workbook, xlsx_meta
from qidong_audit.io.limits import Limits, ReadError
from tests.fuzz.corpus import NS, sheet_xml, xlsx_bytes

_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'
_TAIL = "</sheetData></worksheet>"


def _sheet(cells: str) -> str:
    return _HEAD + cells + _TAIL


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


_CELLS = ('<row r="1"><c r="A1" s="1"><v>1.5</v></c><c r="B1" t="inlineStr"><is><t>x</t></is></c></row>'
          '<row r="2" hidden="1"><c r="A2" s="1"><f>A1</f></c><c r="B2" t="e"><v>#REF!</v></c></row>')


# ── One zip, parts read once ─────────────────────────────────────────────────────────────────────────────────

def test_check_zip_hands_on_the_small_parts_it_read_whole():
    data = xlsx_bytes({"S": _sheet(_CELLS)})
    zf = _zip(data)
    whole = bounds.check_zip(zf, data, "xlsx", Limits())
    assert "xl/worksheets/sheet1.xml" in whole and "xl/styles.xml" in whole and "xl/workbook.xml" in whole
    for name, content in whole.items():
        assert content == zf.read(name)


def test_check_zip_keeps_nothing_for_other_formats_nor_parts_past_the_prolog():
    big = _sheet("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 4000)))
    assert len(big) > bounds._PROLOG
    data = xlsx_bytes({"S": big, "T": _sheet(_CELLS)})
    whole = bounds.check_zip(_zip(data), data, "xlsx", Limits())
    assert "xl/worksheets/sheet1.xml" not in whole and "xl/worksheets/sheet2.xml" in whole
    assert bounds.check_zip(_zip(data), data, "ods", Limits()) == {}


def test_a_part_of_exactly_the_prolog_size_is_read_again():
    # read(_PROLOG) returning _PROLOG bytes does not prove the end (and its CRC check) was reached
    cells = '<row r="1"><c r="A1"><v>1</v></c></row>'
    pad = bounds._PROLOG - len(_sheet(cells).encode())
    data = xlsx_bytes({"S": _HEAD + cells + " " * pad + _TAIL})
    zf = _zip(data)
    assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == bounds._PROLOG
    assert "xl/worksheets/sheet1.xml" not in bounds.check_zip(zf, data, "xlsx", Limits())


def test_the_parts_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(bounds, "_KEEP", 1500)
    data = xlsx_bytes({f"S{i}": _sheet(_CELLS) for i in range(10)})
    whole = bounds.check_zip(_zip(data), data, "xlsx", Limits())
    assert 0 < sum(map(len, whole.values())) <= 1500
    zf = _zip(data)
    assert xlsx_meta.scan(zf, 10**6, whole) == xlsx_meta.scan(zf, 10**6)


def test_a_repeated_part_name_keeps_the_copy_zf_read_returns():
    data = xlsx_bytes({"S": _sheet(_CELLS)})
    src = _zip(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out, pytest.warns(UserWarning, match="Duplicate name"):
        for info in src.infolist():
            out.writestr(info.filename, src.read(info))
        out.writestr("xl/worksheets/sheet1.xml", _sheet('<row r="1"><c r="A1"/><c r="XFD1048576"/></row>'))
    data = buf.getvalue()
    zf = _zip(data)
    whole = bounds.check_zip(zf, data, "xlsx", Limits())
    assert whole["xl/worksheets/sheet1.xml"] == zf.read("xl/worksheets/sheet1.xml")
    with pytest.raises(ReadError, match="过大"):
        xlsx_meta.scan(zf, 10**6, whole)


def test_scan_gives_the_same_with_and_without_the_parts_handed_on():
    sheets = {"A": _sheet(_CELLS), "B": sheet_xml([[1.25, "x"], [None, 2.5]], hidden_rows=(1,))}
    data = xlsx_bytes(sheets)
    zf = _zip(data)
    assert xlsx_meta.scan(zf, 10**6, bounds.check_zip(zf, data, "xlsx", Limits())) == xlsx_meta.scan(zf, 10**6)


def test_a_broken_crc_in_a_small_part_is_still_found():
    data = bytearray(xlsx_bytes({"S": _sheet(_CELLS)}))
    at = bytes(data).rfind(b"xl/worksheets/sheet1.xml") - 46 + 16  # the CRC in its central directory entry
    data[at] ^= 0xFF
    with pytest.raises(ReadError, match="Bad CRC-32"):
        workbook._read("x.xlsx", bytes(data), Limits())


def test_the_container_checks_come_before_the_scan():
    # a sheet both declaring a DTD and spanning the whole grid: the DTD is named (nothing was scanned first)
    xml = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + f'<worksheet xmlns="{NS}"><sheetData>'
           '<row r="1"><c r="A1"/><c r="XFD1048576"/></row>' + _TAIL)
    with pytest.raises(ReadError, match="DTD"):
        workbook._read("x.xlsx", xlsx_bytes({"S": xml}), Limits())


def test_the_zip_is_opened_once_per_read(monkeypatch):
    data = xlsx_bytes({"S": _sheet(_CELLS)})
    opened = []
    real = zipfile.ZipFile

    def counting(*args, **kwargs):
        opened.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(workbook.zipfile, "ZipFile", counting)
    raw = workbook._read("x.xlsx", data, Limits())
    assert len(opened) == 1
    meta = raw.sheets[0].meta
    assert meta.decimals == {"A1": 2, "A2": 2} and meta.errors == {(1, 1): "#REF!"}
    assert meta.hidden_rows == {1} and meta.formula_without_value == {(1, 0)}


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04" + b"\x00" * 100, "不是有效的 xlsx（zip）文件"),
    (xlsx_bytes({"S": _sheet(_CELLS)}).replace(b"xl/workbook.xml", b"xl/workbook.xmX"), "没有工作簿"),
])
def test_sniffing_a_zip_still_names_what_is_wrong(data, message):
    with pytest.raises(ReadError, match=message):
        workbook._read("x.xlsx", data, Limits())
    with pytest.raises(ReadError, match=message):
        workbook.sniff(data[:512], data)


# ── The sheet extent and decimals, against the straightforward implementation ──────────────────────────────

_OLD_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_OLD_TAG_PLAIN = re.compile(rb"<c[\s/>]")
_OLD_REF = re.compile(rb'<(?:\w+:)?c\s+r="([A-Za-z]*)(\d{0,12})"(?:[^>]*?\ss="(\d+)")?')
_OLD_REF_PLAIN = re.compile(rb'<c\s+r="([A-Za-z]*)(\d{0,12})"(?:[^>]*?\ss="(\d+)")?')


def _old_extent(xml: bytes, sheet: str, budget: int, meta, shown: dict[bytes, int], chunk: int):
    """xlsx_meta._extent as it was before it was made faster (one tag regex to count the cells, one to read their
    addresses, a loop over every cell), here to hold the new one to exactly the same answers. (The sheets drawn
    below never put a "<" inside a tag: there the old address regex could run on into the next tag and hide it.)"""
    def chunks():
        start = 0
        while start < len(xml):
            end = start + chunk
            if end < len(xml):
                m = _OLD_TAG.search(xml, end)
                end = m.start() if m else len(xml)
            yield xml[start:end]
            start = end

    # One deliberate change: it looked for prefixed tags as ":c " or ":c>", missing "<x:c\tr=…/>" (below)
    prefixed = re.search(rb":c[\s/>]", xml) is not None
    tag, ref = (_OLD_TAG, _OLD_REF) if prefixed else (_OLD_TAG_PLAIN, _OLD_REF_PLAIN)
    rows = cols = cells = addressed = 0
    col_of: dict[bytes, int] = {}
    for part in chunks():
        cells += len(tag.findall(part))
        found = [f for f in ref.findall(part) if f[0]]
        letters_here = {f[0] for f in found}
        for letters in letters_here - col_of.keys():
            col_of[letters] = xlsx_meta._col(letters) if len(letters) <= 3 else xlsx_meta._MAX_COLS + 1
        digits = [f[1] for f in found if f[1]]
        addressed += len(found)
        if digits:
            rows = max(rows, max(map(int, digits)))
        cols = max(cols, max((col_of[x] for x in letters_here), default=0))
        xlsx_meta._check(sheet, rows, cols, budget)
        if shown:
            meta.decimals.update({(int(d) - 1, col_of[c] - 1): shown[s] for c, d, s in found if s in shown and d})
    if cells > addressed:
        rows, cols = xlsx_meta._extent_unaddressed(xml, sheet, budget)
    return rows, cols


def _outcome(fn):
    """(extent or refusal, decimals by 0-based (row, column)): the old scan kept decimals by (row, column), the new
    one by A1 address."""
    meta = xlsx_meta.SheetMeta()
    try:
        extent = fn(meta)
    except ReadError as exc:
        extent = str(exc)
    return extent, [(_place(key), shown) for key, shown in meta.decimals.items()]


def _place(key) -> tuple[int, int]:
    if isinstance(key, tuple):
        return key
    letters, digits = re.fullmatch(r"([A-Z]+)(\d+)", key).groups()
    return int(digits) - 1, xlsx_meta._col(letters.encode()) - 1


_ADDRESSES = st.one_of(
    st.tuples(st.sampled_from(["A", "B", "F", "Z", "AA", "XFD", "XFE", "a", "zz", "AAAA", ""]),
              st.sampled_from(["1", "2", "9", "38", "007", "1048576", "1048577", "99999999", "123456789012",
                               "1234567890123", ""])).map(lambda t: t[0] + t[1]),
    st.from_regex(r"\A[A-C]{1,2}[1-9][0-9]{0,2}\Z"),
)


_GOOD_ADDRESSES = st.from_regex(r"\A(?:[A-F]|A[A-C]|XF[CD])(?:[1-9]|[1-4][0-9])\Z")


@st.composite
def _cell(draw, odd: bool) -> str:
    """A cell tag as writers spell it (r first) or, when `odd`, as they might not (no r, r after s, odd r)."""
    name = draw(st.sampled_from(["c", "c", "c", "x:c"]))
    space = draw(st.sampled_from([" ", " ", "  ", "\t", "\n", "\r\n"]))
    attrs = []
    if not odd or draw(st.integers(0, 9)):
        attrs.append(f'r="{draw(_ADDRESSES if odd else _GOOD_ADDRESSES)}"')
    style = draw(st.sampled_from([None, "0", "1", "2", "12", "x"]))
    if style is not None:
        attrs.insert(draw(st.integers(0, len(attrs))) if odd else len(attrs), f's="{style}"')
    if draw(st.booleans()):
        extra = draw(st.sampled_from(['t="n"', 't="e"', 'cm="1"', 'ss="1"']))
        attrs.insert(draw(st.integers(0 if odd else 1, len(attrs))) if attrs else 0, extra)
    opening = f"<{name}" + "".join(space + a for a in attrs) if attrs else f"<{name}" + draw(st.sampled_from(["", " "]))
    body = draw(st.sampled_from(["", "<v>1</v>", "<v>1.5</v>", "<f>A1</f>", "<is><t>c r=&quot;Z9&quot;</t></is>",
                                 'r="XFD9" s="1"', ' r="B9"']))  # text where no text belongs is no address
    v = name.replace("c", "v") if name.startswith("x:") else "v"
    body = body.replace("<v>", f"<{v}>").replace("</v>", f"</{v}>")
    return opening + "/>" if not body and draw(st.booleans()) else opening + ">" + body + f"</{name}>"


@st.composite
def _sheet_data(draw) -> bytes:
    rows = []
    odd = draw(st.booleans())
    for n in range(draw(st.integers(0, 5))):
        r = draw(st.sampled_from([f' r="{n + 1}"', f' r="{n + 3}"', ""]))
        hidden = draw(st.sampled_from(["", ' hidden="1"']))
        cells = "".join(draw(st.lists(_cell(odd), max_size=5)))
        extra = draw(st.sampled_from(["", '<col min="1" max="2"/>', "<cfRule/>", "<cols><col/></cols>"]))
        rows.append(f"<row{r}{hidden}>{cells}</row>{extra}")
    return (_HEAD + "".join(rows) + _TAIL).encode()


@settings(max_examples=400, deadline=None)
@given(xml=_sheet_data(), budget=st.sampled_from([0, 6, 40, 10**6]), chunk=st.sampled_from([16, 100, 4 << 20]),
       shown=st.sampled_from([{}, {b"1": 2}, {b"1": 0, b"12": 3}]))
def test_extent_and_decimals_are_what_the_straightforward_scan_gave(xml, budget, chunk, shown):
    with _chunk_size(chunk):
        new = _outcome(lambda meta: xlsx_meta._extent(xml, "S", budget, meta, shown))
    old = _outcome(lambda meta: _old_extent(xml, "S", budget, meta, shown, chunk))
    assert new == old


class _chunk_size:
    """xlsx_meta._CHUNK set for a block: small chunks put the cut between cells on small sheets."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __enter__(self) -> None:
        self.saved, xlsx_meta._CHUNK = xlsx_meta._CHUNK, self.size

    def __exit__(self, *exc: object) -> None:
        xlsx_meta._CHUNK = self.saved


@pytest.mark.parametrize("cells", [
    '<c r="A1" s="1"><v>1</v></c><c r="C1"><v>2</v></c>',
    '<c>r="XFD9" s="1"</c><c r="B2" s="1"/>',  # text inside a cell is no address
    '<c/><c r="B2" s="1"/>',
    '<c r="a1" s="1"/><c r="zz2" s="1"/>',  # lower case, as calamine reads it
    '<c r="A007" s="1"/><c r="B010"/>',  # leading zeros
    '<c s="1" r="D4"/><c r="B2" s="1"/>',  # r after s: laid out
    '<c r="A1" t="n" cm="1" s="1"/>',  # s after other attributes still counts
    '<c r="A1" s="x" t="n"/><c r="B1" s="12"/>',
    '<c r=""/><c r="12"/><c r="D"/><c r="B2"/>',
    '<c r="A1234567890123"/>',
    '<c r="AAAA1"/>',
    '<c r="XFD1048576"/>',
    '<c\tr="C3"\ts="1"/><c\nr="D4"\ns="12"/><c\r\nr="E5"/>',
    '<x:c r="A1" s="1"><x:v>1</x:v></x:c><x:c r="C9" s="12"/>',
    '<x:c\nr="B2"/><x:c\tr="XFD1048576"/>',
])
@pytest.mark.parametrize("budget", [0, 20, 10**6])
def test_extent_of_written_out_cells(cells, budget):
    xml = _sheet(f'<row r="1">{cells}</row>').encode()
    shown = {b"1": 2, b"12": 0}
    for chunk in (8, 4 << 20):
        with _chunk_size(chunk):
            new = _outcome(lambda meta: xlsx_meta._extent(xml, "S", budget, meta, shown))
        assert new == _outcome(lambda meta: _old_extent(xml, "S", budget, meta, shown, chunk))


# ── Prefixed cell tags ───────────────────────────────────────────────────────────────────────────────────────

@pytest.mark.parametrize("cells", [
    '<x:c\nr="A1"><x:v>1</x:v></x:c\n><x:c\nr="XFD1048576"><x:v>2</x:v></x:c\n>',  # "</x:c\n>" is well-formed
    '<x:c\tr="A1"/><x:c\tr="XFD1048576"/>',
])
def test_prefixed_cells_are_counted_whatever_follows_the_tag_name(cells):
    # Looking for prefixed tags as ":c " or ":c>" missed these: the cells went uncounted, and in the first case
    # calamine allocated the whole grid and the reading process died of it. Now the extent check names the problem.
    xml = (f'<?xml version="1.0"?><x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r="1">{cells}</x:row>'
           '</x:sheetData></x:worksheet>')
    with pytest.raises(ReadError, match="过大：至少 1,048,576 行 × 16,384 列"):
        workbook._read("x.xlsx", xlsx_bytes({"S": xml}), Limits())


def test_a_cell_tag_inside_another_is_still_counted():
    # not well-formed, but a lenient parser may take the inner address: the extent covers every address written
    xml = _sheet('<row r="1"><c r="A1" <c r="XFD1048576" s="1"/></row>')
    with pytest.raises(ReadError, match="过大"):
        workbook._read("x.xlsx", xlsx_bytes({"S": xml}), Limits())


# ── Reading the file ─────────────────────────────────────────────────────────────────────────────────────────

class _StatSays(type(Path())):
    """A path whose stat() reports `size` bytes: a file that grew after stat, or a /proc file (size 0)."""

    size = 0

    def stat(self, *args, **kwargs):
        real = super().stat(*args, **kwargs)
        return os.stat_result((real.st_mode, real.st_ino, real.st_dev, real.st_nlink, real.st_uid, real.st_gid,
                               self.size, real.st_atime, real.st_mtime, real.st_ctime))


@pytest.mark.parametrize("said", [0, 1, 999, 1000, 1001, 5000])
def test_the_file_is_read_whole_whatever_stat_said(tmp_path, said):
    path = tmp_path / "f.xlsx"
    path.write_bytes(bytes(range(250)) * 4)
    p = _StatSays(path)
    p.size = said
    assert workbook._file_bytes(p, Limits()) == path.read_bytes()


def test_a_file_that_grew_past_the_limit_after_stat_is_refused(tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"x" * (2 * 1024 * 1024))
    p = _StatSays(path)
    p.size = 10
    with pytest.raises(ReadError, match="文件过大"):
        workbook._file_bytes(p, Limits(max_file_bytes=1024 * 1024))


# ── Styles and sheet lists, remembered by their bytes ────────────────────────────────────────────────────────

def test_workbooks_alike_but_for_their_styles_read_their_own_decimals():
    from tests.fuzz.corpus import _STYLES

    xml = _sheet('<row r="1"><c r="A1" s="1"><v>1.5</v></c></row>')
    three = _STYLES.replace('formatCode="#,##0.00"', 'formatCode="0.000"')
    for styles, shown in ((_STYLES, 2), (three, 3), (_STYLES, 2), (three, 3)):  # each seen twice, alternately
        data = xlsx_bytes({"S": xml}, parts={"xl/styles.xml": styles})
        zf = _zip(data)
        assert xlsx_meta.scan(zf, 10**6, bounds.check_zip(zf, data, "xlsx", Limits()))["S"].decimals == {"A1": shown}


def test_workbooks_alike_but_for_their_sheet_names_keep_their_own_names():
    for names in (["甲", "乙"], ["甲", "丙"], ["甲", "乙"]):
        data = xlsx_bytes({n: _sheet(_CELLS) for n in names})
        zf = _zip(data)
        assert list(xlsx_meta.scan(zf, 10**6)) == names


def test_what_is_remembered_is_bounded(monkeypatch):
    monkeypatch.setattr(xlsx_meta, "_REMEMBERED", {})
    monkeypatch.setattr(xlsx_meta, "_MAX_REMEMBERED", 3)
    for i in range(10):
        assert xlsx_meta._remembered(len, b"x" * i) == i
        assert len(xlsx_meta._REMEMBERED) <= 3
    big = b"x" * (xlsx_meta._MAX_REMEMBERED_PART + 1)
    assert xlsx_meta._remembered(len, big) == len(big) and (len, big) not in xlsx_meta._REMEMBERED
