"""zipparts.head reads a part as `zf.open(info).read(size)` does, and refuses what it refuses.

Zips of stored and deflated parts are written, then damaged byte by byte or cut short; every part of every zip
that still opens is read both ways. The outcomes must be the same: the same bytes, or the same error with the
same message.
"""

from __future__ import annotations

import io
import random
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qidong_audit.io import bounds, workbook
from qidong_audit.io.limits import Limits, ReadError
from qidong_audit.io.zipparts import head, stored_copy
from tests.fuzz.corpus import sheet_xml, xlsx_bytes

_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, UnicodeDecodeError, RuntimeError,
           ValueError, OSError)


def _outcome(read):
    try:
        return "ok", read()
    except _ERRORS as exc:
        return type(exc).__name__, str(exc)


def _agree(data: bytes, size: int) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _ERRORS:
        return  # the directory itself is broken: neither way reads a part

    def by_zipfile(info):
        with zf.open(info) as fh:
            return fh.read(size)

    for info in infos:
        assert _outcome(lambda: head(zf, data, info, size)) == _outcome(lambda: by_zipfile(info)), info.filename


def _zip(parts: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content, method in parts:
            zf.writestr(zipfile.ZipInfo(name), content, compress_type=method)
    return buf.getvalue()


_PART = st.tuples(
    st.sampled_from(["a.xml", "xl/b.xml", "数据.xml", "c.rels"]),
    st.one_of(st.binary(max_size=300), st.binary(min_size=5000, max_size=12000),
              st.text(alphabet="<>/ab c=\"1", max_size=20000).map(str.encode)),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=st.lists(_PART, min_size=1, max_size=3), size=st.sampled_from([0, 1, 7, 100, 4095, 4096, 4097, 9000, 65536]),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=4),
       cut=st.one_of(st.none(), st.integers(0, 10**6)))
def test_head_reads_as_zipfile_does_even_when_the_zip_is_damaged(parts, size, flips, cut):
    data = bytearray(_zip(parts))
    for at, mask in flips:
        data[at % len(data)] ^= mask
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    _agree(bytes(data), size)


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@pytest.mark.parametrize("content", [b"<x>" + b"1234567890" * 500 + b"</x>", random.Random(7).randbytes(9000)],
                         ids=["text", "noise"])
def test_every_kind_of_damage_to_one_part_is_refused_alike(method, content):
    data = _zip([("xl/worksheets/sheet1.xml", content, method)])
    for at in range(0, len(data), 1 if len(data) < 2000 else 7):  # one byte changed at each place in turn
        for mask in (0x01, 0xFF):
            damaged = bytearray(data)
            damaged[at] ^= mask
            for size in (100, 65536):
                _agree(bytes(damaged), size)
    for end in range(0, len(data), 1 if len(data) < 2000 else 7):
        _agree(data[:end], 65536)


def test_a_local_header_whose_name_differs_is_refused():
    data = _zip([("xl/styles.xml", b"<styleSheet/>", zipfile.ZIP_DEFLATED)])
    bad = data.replace(b"xl/styles.xml", b"xl/STYLES.xml", 1)  # the local header's copy only
    with pytest.raises(ReadError, match="differ"):
        workbook._read("x.xlsx", xlsx_bytes({"S": "<worksheet/>"}).replace(b"xl/styles.xml", b"xl/STYLES.xml", 1),
                       Limits())
    _agree(bad, 65536)


# ── The copy calamine reads ────────────────────────────────────────────────────────────────────────────────────

def _calamine(data: bytes) -> list:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [(name, wb.get_sheet_by_name(name).to_python(skip_empty_area=False),
             wb.get_sheet_by_name(name).merged_cell_ranges) for name in wb.sheet_names]


_VALUE = st.one_of(st.none(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=8))


@settings(max_examples=60, deadline=None)
@given(grids=st.lists(st.lists(st.lists(_VALUE, min_size=1, max_size=4), min_size=1, max_size=5), min_size=1,
                      max_size=3),
       big=st.booleans())
def test_calamine_reads_the_stored_copy_as_it_reads_the_file(grids, big):
    sheets = {f"表{i}": sheet_xml(grid, merges=("A1:B1",) if i == 0 else ()) for i, grid in enumerate(grids)}
    if big:  # a part past the prolog is not read here: it is copied still deflated
        sheets["大表"] = sheet_xml([[r, f"第{r}行"] for r in range(1, 3000)])
    data = xlsx_bytes(sheets)
    zf = zipfile.ZipFile(io.BytesIO(data))
    whole = bounds.check_zip(zf, data, "xlsx", Limits())
    copy = stored_copy(zf, data, whole)
    assert copy is not None and _calamine(copy) == _calamine(data)
    again = zipfile.ZipFile(io.BytesIO(copy))
    assert [i.filename for i in again.infolist()] == [i.filename for i in zf.infolist()]
    for info in again.infolist():
        assert again.read(info) == zf.read(info.filename)
        assert (info.compress_type == zipfile.ZIP_STORED) == (info.filename in whole)
    if big:
        assert "xl/worksheets/sheet%d.xml" % (len(grids) + 1) not in whole


def test_the_workbook_reader_hands_calamine_the_stored_copy(monkeypatch):
    from python_calamine import CalamineWorkbook

    seen: list[bytes] = []
    real = CalamineWorkbook.from_filelike
    monkeypatch.setattr(CalamineWorkbook, "from_filelike", lambda fh: (seen.append(fh.getvalue()), real(io.BytesIO(seen[-1])))[1])
    data = xlsx_bytes({"S": sheet_xml([[1.5, "x"]])})
    raw = workbook._read("x.xlsx", data, Limits())
    assert raw.sheets[0].rows == [[1.5, "x"]]
    parts = zipfile.ZipFile(io.BytesIO(seen[0])).infolist()
    assert parts and all(i.compress_type == zipfile.ZIP_STORED for i in parts)


def test_a_part_whose_local_header_is_unreadable_leaves_the_file_as_it_is():
    data = bytearray(xlsx_bytes({"S": sheet_xml([[1]]), "大表": sheet_xml([[r] for r in range(1, 9000)])}))
    zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
    whole = bounds.check_zip(zf, bytes(data), "xlsx", Limits())
    other = zf.getinfo("xl/worksheets/sheet2.xml")  # past the prolog: not read whole here, to be copied as it is
    assert other.filename not in whole
    data[other.header_offset] ^= 0xFF
    assert stored_copy(zf, bytes(data), whole) is None
