"""The faster xlsx read path gives what the straightforward one gave, and keeps every protection.

- The zip is opened once per read; bounds.check_zip hands the parts it read whole on to xlsx_meta.scan, which
  then gives exactly what it gives reading the parts itself — never the other copy of a repeated name, never
  more than the bounded amount, and never before every container check has passed.
"""

from __future__ import annotations

import io
import zipfile

import pytest

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
    whole = bounds.check_zip(zf, "xlsx", Limits())
    assert "xl/worksheets/sheet1.xml" in whole and "xl/styles.xml" in whole and "xl/workbook.xml" in whole
    for name, content in whole.items():
        assert content == zf.read(name)


def test_check_zip_keeps_nothing_for_other_formats_nor_parts_past_the_prolog():
    big = _sheet("".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 4000)))
    assert len(big) > bounds._PROLOG
    data = xlsx_bytes({"S": big, "T": _sheet(_CELLS)})
    whole = bounds.check_zip(_zip(data), "xlsx", Limits())
    assert "xl/worksheets/sheet1.xml" not in whole and "xl/worksheets/sheet2.xml" in whole
    assert bounds.check_zip(_zip(data), "ods", Limits()) == {}


def test_a_part_of_exactly_the_prolog_size_is_read_again():
    # read(_PROLOG) returning _PROLOG bytes does not prove the end (and its CRC check) was reached
    cells = '<row r="1"><c r="A1"><v>1</v></c></row>'
    pad = bounds._PROLOG - len(_sheet(cells).encode())
    data = xlsx_bytes({"S": _HEAD + cells + " " * pad + _TAIL})
    zf = _zip(data)
    assert zf.getinfo("xl/worksheets/sheet1.xml").file_size == bounds._PROLOG
    assert "xl/worksheets/sheet1.xml" not in bounds.check_zip(zf, "xlsx", Limits())


def test_the_parts_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(bounds, "_KEEP", 1500)
    data = xlsx_bytes({f"S{i}": _sheet(_CELLS) for i in range(10)})
    whole = bounds.check_zip(_zip(data), "xlsx", Limits())
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
    zf = _zip(buf.getvalue())
    whole = bounds.check_zip(zf, "xlsx", Limits())
    assert whole["xl/worksheets/sheet1.xml"] == zf.read("xl/worksheets/sheet1.xml")
    with pytest.raises(ReadError, match="过大"):
        xlsx_meta.scan(zf, 10**6, whole)


def test_scan_gives_the_same_with_and_without_the_parts_handed_on():
    sheets = {"A": _sheet(_CELLS), "B": sheet_xml([[1.25, "x"], [None, 2.5]], hidden_rows=(1,))}
    zf = _zip(xlsx_bytes(sheets))
    assert xlsx_meta.scan(zf, 10**6, bounds.check_zip(zf, "xlsx", Limits())) == xlsx_meta.scan(zf, 10**6)


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
    assert meta.decimals == {(0, 0): 2, (1, 0): 2} and meta.errors == {(1, 1): "#REF!"}
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
