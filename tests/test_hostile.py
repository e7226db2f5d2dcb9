"""Hostile and broken inputs (issue 8): every one gives a valid audit — with findings where the data is odd — or
exit 2 with one message naming the file; never a traceback, never a hang, never a changed input.

Each test builds its input here (tests/fuzz/corpus.py writes xlsx as raw XML, so anything can go in it) and runs
the real CLI. `_run` checks the three things every case owes: no exception escapes (run_cli does not catch
them), the inputs hash the same afterwards, and the command finished within its deadline.
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from tests import formats
from tests.conftest import JS03_MERGES, js03, run_cli, write_xlsx
from tests.fuzz.corpus import JS03_DATA, NS, Err, Formula, deadline, digest, sheet_xml, xlsb_bytes, xlsx_bytes, zip_bytes

MERGES = tuple(JS03_MERGES)


def _run(runner, *args: str, inputs: tuple[Path, ...] = (), seconds: float = 60):
    before = digest(*inputs)
    with deadline(seconds):
        result = run_cli(runner, *args)
    assert digest(*inputs) == before, "an input file was changed"
    assert "Traceback" not in result.stdout + result.stderr
    return result


def _check(runner, path: Path, *args: str, seconds: float = 60):
    """`check --format json` on one file: (exit code, the JSON report, stderr on one line)."""
    result = _run(runner, "check", str(path), "-f", "json", *args, inputs=(path,), seconds=seconds)
    return result.exit_code, json.loads(result.stdout), " ".join(result.stderr.split())


def _refused(runner, path: Path, *words: str, seconds: float = 60) -> str:
    """The file is refused: exit 2, its name and each of `words` in the message, reported unread in the JSON."""
    code, doc, err = _check(runner, path, seconds=seconds)
    assert code == 2, err
    assert path.name in err and all(w in err for w in words), err
    assert doc["files"][0]["error"] and doc["findings"] == []
    return err


def _errors(doc: dict) -> list[tuple[str, str]]:
    return [(f["rule"], f["cell"]) for f in doc["findings"] if f["severity"] == "error"]


def _js03(rows=None, **changes) -> list[list]:
    """The consistent 支出决算表 with some cells replaced: changes like F11=Err("#REF!") (sheet addresses)."""
    grid = js03([list(r) for r in (JS03_DATA if rows is None else rows)])
    for ref, value in changes.items():
        col, row = ord(ref[0]) - 65, int(ref[1:]) - 1
        grid[row][col] = value
    return grid


def _xlsx(path: Path, rows: list[list], **kw) -> Path:
    path.write_bytes(xlsx_bytes({"支出决算表": sheet_xml(rows, MERGES)}, **kw))
    return path


@pytest.fixture
def clean_bytes() -> bytes:
    return xlsx_bytes({"支出决算表": sheet_xml(_js03(), MERGES)})


# ── Containers: truncated, corrupted, not a workbook at all ─────────────────────────────────────────────────

def _member_offset(data: bytes, name: str) -> int:
    """Where a zip member's compressed bytes start."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    nlen, xlen = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info.header_offset + 30 + nlen + xlen


def _flip(data: bytes, start: int, count: int = 40) -> bytes:
    out = bytearray(data)
    for i in range(start, start + count):
        out[i] ^= 0x5A
    return bytes(out)


def _encrypted_flag(data: bytes) -> bytes:
    """Set the "encrypted" bit of every member (traditional PKWARE encryption, as old zip tools write it)."""
    out = bytearray(data)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(sig)
        while pos >= 0:
            out[pos + at] |= 0x1
            pos = out.find(sig, pos + 4)
    return bytes(out)


# Zero bytes, a bad zip header, a bad OLE2 file and binary bytes are in test_formats.py.
CONTAINERS = {
    "truncated-half": (lambda d: d[: len(d) // 2], ("损坏",)),
    "no-central-directory-end": (lambda d: d[:-22], ("损坏",)),
    "corrupted-sheet-data": (lambda d: _flip(d, _member_offset(d, "xl/worksheets/sheet1.xml") + 20), ("损坏",)),
    "encrypted-zip-members": (_encrypted_flag, ("已加密",)),
    "zip-without-workbook": (lambda d: zip_bytes({"readme.txt": "hello"}), ("没有工作簿",)),
    "workbook-xml-broken": (lambda d: _replace(d, "xl/workbook.xml", b"<workbook><sheets><sheet name="), ("无法",)),
    "sheet-xml-cut-mid-tag": (lambda d: _replace(d, "xl/worksheets/sheet1.xml", _part(d, "xl/worksheets/sheet1.xml")[:700]),
                              ("支出决算表", "无法读取")),
    "text-named-xlsx": (lambda d: "这不是表格\n1,2,3\n".encode("utf-8"), ("未识别",)),
    "random-bytes-without-nul": (lambda d: bytes(random.Random(8).randrange(1, 256) for _ in range(3000)), ("未识别",)),
}


def _part(data: bytes, name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(name)


def _replace(data: bytes, name: str, content: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    return zip_bytes({n: (content if n == name else src.read(n)) for n in src.namelist()})


@pytest.mark.parametrize("case", CONTAINERS, ids=list(CONTAINERS))
def test_broken_containers_exit_2_naming_the_file(runner, tmp_path, clean_bytes, case):
    make, words = CONTAINERS[case]
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(make(clean_bytes))
    _refused(runner, path, *words)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_pipes_and_devices_are_not_read(runner, tmp_path):
    """A named pipe would block the read forever, /dev/zero would never end it."""
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    for path in (pipe, Path("/dev/zero")):
        result = _run(runner, "check", str(path), seconds=20)
        assert result.exit_code == 2 and str(path) in result.stderr and "不是普通文件" in result.stderr


def test_a_broken_file_does_not_stop_the_others(runner, tmp_path, clean_bytes):
    bad, good = tmp_path / "坏.xlsx", tmp_path / "好.xlsx"
    bad.write_bytes(clean_bytes[:1000])
    good.write_bytes(clean_bytes)
    result = _run(runner, "check", str(bad), str(good), "-f", "json", inputs=(bad, good))
    doc = json.loads(result.stdout)
    assert result.exit_code == 2 and "坏.xlsx" in result.stderr
    assert [f["error"] is None for f in doc["files"]] == [False, True]
    assert [t["table_id"] for t in doc["files"][1]["tables"]] == ["JS03"]


# ── Bombs: entity expansion, compression, a zip of parts ─────────────────────────────────────────────────────

_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def test_billion_laughs_in_shared_strings(runner, tmp_path):
    sst = f'<?xml version="1.0"?>{_LAUGHS}<sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    path = _xlsx(tmp_path / "laughs.xlsx", _js03(), parts={"xl/sharedStrings.xml": sst})
    _refused(runner, path, "xl/sharedStrings.xml", "XML 炸弹")


def test_billion_laughs_hidden_behind_a_long_comment(runner, tmp_path):
    """Past the 64 KiB prolog check the entity still never expands: calamine refuses unknown entities."""
    sheet = sheet_xml(_js03(), MERGES).replace("?>", "?><!--" + "x" * 70_000 + "-->" + _LAUGHS, 1)
    sheet = sheet.replace("<sheetData>", '<sheetData><row r="30"><c r="A30" t="inlineStr"><is><t>&lol9;</t></is></c></row>')
    path = tmp_path / "laughs-late.xlsx"
    path.write_bytes(xlsx_bytes({"支出决算表": sheet}))
    _refused(runner, path, "无法读取")


def test_billion_laughs_in_spreadsheetml(runner, tmp_path):
    path = tmp_path / "laughs.xls"
    path.write_text(
        f'<?xml version="1.0"?>{_LAUGHS}<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table><Row><Cell>'
        '<Data ss:Type="String">&lol9;</Data></Cell></Row></Table></Worksheet></Workbook>',
        encoding="utf-8",
    )
    _refused(runner, path, "XML 炸弹")


def test_zip_bomb_by_compression_ratio(runner, tmp_path):
    """20 MiB of sheet XML that deflates to about 20 KiB: refused from the zip directory, before inflating."""
    sheet = sheet_xml(_js03(), MERGES).replace("</sheetData>", "</sheetData>" + " " * (20 << 20))
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(xlsx_bytes({"支出决算表": sheet}, compresslevel=9))
    assert path.stat().st_size < 200_000
    _refused(runner, path, "压缩比异常", "xl/worksheets/sheet1.xml")


def test_unzipped_size_limit_from_the_environment(runner, tmp_path, monkeypatch):
    rows = _js03() + [[None, None, None, f"说明{i}", i] for i in range(40_000)]
    path = _xlsx(tmp_path / "big.xlsx", rows)
    assert sum(i.file_size for i in zipfile.ZipFile(path).infolist()) > 1 << 20
    monkeypatch.setenv("QIDONG_AUDIT_MAX_UNZIPPED_MB", "1")
    _refused(runner, path, "解压后过大", "QIDONG_AUDIT_MAX_UNZIPPED_MB")


def test_zip_with_too_many_parts(runner, tmp_path, clean_bytes):
    src = zipfile.ZipFile(io.BytesIO(clean_bytes))
    parts = {n: src.read(n) for n in src.namelist()} | {f"xl/media/x{i}.bin": b"" for i in range(10_001)}
    path = tmp_path / "parts.xlsx"
    path.write_bytes(zip_bytes(parts))
    _refused(runner, path, "部件")


def test_shared_strings_claiming_more_strings_than_they_hold(runner, tmp_path):
    """calamine reserves memory for uniqueCount strings up front: a huge count would abort the process."""
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}" count="1" uniqueCount="99999999999"><si><t>x</t></si></sst>'
    path = _xlsx(tmp_path / "sst.xlsx", _js03(), parts={"xl/sharedStrings.xml": sst})
    _refused(runner, path, "sharedStrings", "已损坏")


# ── Size: a million rows, 16,384 columns, cells far apart ────────────────────────────────────────────────────

def _million_rows(path: Path, column: str) -> Path:
    body = b"".join(b'<row r="%d"><c r="%s%d"><v>1</v></c></row>' % (i, column.encode(), i) for i in range(1, 1_000_001))
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>'.encode()
    path.write_bytes(xlsx_bytes({"明细": head + body + b"</sheetData></worksheet>"}, compresslevel=1))
    return path


def test_a_million_rows_are_refused_by_the_cell_limit(runner, tmp_path):
    """1,000,000 rows × 3 columns is past the default 1,000,000-cell limit: refused while scanning the sheet XML,
    before calamine allocates the grid."""
    path = _million_rows(tmp_path / "million.xlsx", "C")
    start = time.monotonic()
    _refused(runner, path, "明细", "过大", "QIDONG_AUDIT_MAX_CELLS", seconds=30)
    assert time.monotonic() - start < 15


@pytest.mark.slow
def test_a_million_rows_within_the_limit_are_read(runner, tmp_path):
    """1,000,000 rows × 1 column is exactly the limit: read and searched for tables in bounded time."""
    path = _million_rows(tmp_path / "million.xlsx", "A")
    start = time.monotonic()
    _refused(runner, path, "未识别", seconds=120)
    assert time.monotonic() - start < 60


def test_the_cell_limit_is_configurable(runner, tmp_path, monkeypatch):
    path = _xlsx(tmp_path / "js03.xlsx", _js03())
    assert _check(runner, path)[0] == 0
    monkeypatch.setenv("QIDONG_AUDIT_MAX_CELLS", "50")
    _refused(runner, path, "过大", "50")


def test_library_callers_pass_limits_in_the_options(tmp_path):
    from qidong_audit.audit import AuditOptions, audit_paths
    from qidong_audit.io import Limits

    paths = [str(_xlsx(tmp_path / f"{i}.xlsx", _js03())) for i in range(2)]
    for jobs in (1, 2):
        report = audit_paths(paths, AuditOptions(limits=Limits(max_cells=50)), jobs=jobs)
        assert all("过大" in f.error for f in report.files)
    assert not audit_paths(paths, AuditOptions(), jobs=2).had_read_errors


def test_a_bad_limit_in_the_environment_names_the_variable(runner, tmp_path, monkeypatch):
    path = _xlsx(tmp_path / "js03.xlsx", _js03())
    monkeypatch.setenv("QIDONG_AUDIT_MAX_FILE_MB", "lots")
    _refused(runner, path, "QIDONG_AUDIT_MAX_FILE_MB", "lots")


def test_file_size_limit(runner, tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"x," * (1 << 20))
    monkeypatch.setenv("QIDONG_AUDIT_MAX_FILE_MB", "1")
    _refused(runner, path, "文件过大", "QIDONG_AUDIT_MAX_FILE_MB")


def test_two_cells_a_million_rows_apart(runner, tmp_path):
    """A 600-byte file whose cells span 1,048,576 × 16,384: calamine would allocate 17 billion cells (and abort)."""
    sheet = (f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
             '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData></worksheet>')
    path = tmp_path / "sparse.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet}))
    _refused(runner, path, "过大", "1,048,576")


def test_cell_address_outside_excel(runner, tmp_path):
    sheet = f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData><row r="1"><c r="AAAA1"><v>1</v></c></row></sheetData></worksheet>'
    path = tmp_path / "addr.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet}))
    _refused(runner, path, "超出 Excel 的范围")


def test_sixteen_thousand_columns(runner, tmp_path):
    """A stray header and amount in column XFD: the sheet spans all 16,384 columns and is still audited —
    the stray column is an amount column of its own whose 合计 the 类 rows do not add up to."""
    rows = _js03()
    for r, value in ((3, "备注"), (7, Decimal("5.00"))):
        rows[r] = rows[r] + [None] * (16_383 - len(rows[r])) + [value]
    path = _xlsx(tmp_path / "wide.xlsx", rows)
    code, doc, _ = _check(runner, path, seconds=30)
    assert code == 1 and _errors(doc) == [("JS03.tree", "XFD8")]
    assert doc["files"][0]["tables"][0]["range"] == "A1:XFD12"


def test_sixteen_thousand_columns_of_side_by_side_panels(runner, tmp_path):
    """8,192 label|amount panels: recognition used to rescan every column for every panel of every row
    (8 rows took minutes); now linear."""
    width = 16_384
    rows = [["支出决算表"], ["单位：万元"], ["项目" if c % 2 == 0 else "合计" for c in range(width)]]
    rows += [["行政运行" if c % 2 == 0 else Decimal("1.00") for c in range(width)] for _ in range(6)]
    path = tmp_path / "panels.xlsx"
    path.write_bytes(xlsx_bytes({"S": sheet_xml(rows)}))
    start = time.monotonic()
    code, doc, _ = _check(runner, path, seconds=60)
    assert code in (0, 1) and doc["files"][0]["tables"][0]["table_id"] == "JS03"
    assert time.monotonic() - start < 30


# ── Contents: long strings, encodings, error values, dates, booleans, formulas ──────────────────────────────

def test_extremely_long_strings(runner, tmp_path):
    """Excel's longest cell (32,767 characters) as a label and as an amount; a 2-million-character shared
    string beyond anything Excel writes. The 32,767-digit "amount" is not an amount."""
    text = "".join(random.Random(1).choices("一二三四五六七八九十百千万", k=2_000_000))
    sst = f'<?xml version="1.0"?><sst xmlns="{NS}" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>'
    rows = _js03(F11="1" * 32_767) + [[None, None, None, "长" * 32_767]]
    sheet = sheet_xml(rows, MERGES).replace("</sheetData>", '<row r="20"><c r="D20" t="s"><v>0</v></c></row></sheetData>')
    path = tmp_path / "long.xlsx"
    path.write_bytes(xlsx_bytes({"支出决算表": sheet}, parts={"xl/sharedStrings.xml": sst}))
    code, doc, _ = _check(runner, path, seconds=60)
    assert code == 1 and ("QA.bad-amount", "F11") in _errors(doc)


@pytest.mark.parametrize("text", ["1e999999999", "1e-99999999", "0." + "1" * 30_000, 1e28, -1e300],
                         ids=["huge", "tiny", "30000-decimals", "float-1e28", "float-1e300"])
def test_numbers_no_spreadsheet_can_hold_are_not_amounts(runner, tmp_path, text):
    """They used to overflow the checks (decimal.Overflow / InvalidOperation) or the diagnosis; a number cell of
    10²⁸ or more made reading it as a decimal fail, and the file went unaudited ("内部错误")."""
    code, doc, _ = _check(runner, _xlsx(tmp_path / "n.xlsx", _js03(F11=text)))
    assert code == 1 and ("QA.bad-amount", "F11") in _errors(doc)
    assert not [f for f in doc["findings"] if "执行出错" in f["message"]]


def test_csv_mixing_gbk_and_utf8_lines(runner, tmp_path):
    """A CSV pasted together from a GBK export and UTF-8 lines is decoded line by line."""
    source = write_xlsx(tmp_path / "src.xlsx", {"S": js03(JS03_DATA)}, {"S": JS03_MERGES})
    lines = formats.to_csv(source, "S", tmp_path / "tmp.csv", "utf-8").read_text("utf-8").splitlines(keepends=True)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(line.encode("gbk" if i % 2 else "utf-8") for i, line in enumerate(lines)))
    code, doc, _ = _check(runner, path)
    assert code == 0 and [t["table_id"] for t in doc["files"][0]["tables"]] == ["JS03"]


def test_csv_with_invalid_utf8_bytes(runner, tmp_path):
    source = write_xlsx(tmp_path / "src.xlsx", {"S": js03(JS03_DATA)}, {"S": JS03_MERGES})
    data = formats.to_csv(source, "S", tmp_path / "tmp.csv", "utf-8").read_bytes()
    path = tmp_path / "bad-bytes.csv"
    path.write_bytes(data.replace("行政运行".encode(), b"\xff\xfe\xfa\xc0"))
    code, doc, _ = _check(runner, path)
    assert code in (0, 1) and [t["table_id"] for t in doc["files"][0]["tables"]] == ["JS03"]


def test_csv_field_beyond_the_csv_module_limit(runner, tmp_path):
    path = tmp_path / "field.csv"
    path.write_text('支出决算表\n"' + "x" * 200_000 + '"\n', encoding="utf-8")
    _refused(runner, path, "CSV")


def test_html_spans_cannot_run_away(runner, tmp_path):
    """rowspan/colspan of 1,000 on every cell of 200 rows would be 200 million covered cells."""
    path = tmp_path / "spans.xls"
    path.write_bytes(b"<html><body><table>" + b'<tr><td rowspan="1000" colspan="1000">x</td></tr>' * 200 + b"</table></body></html>")
    _refused(runner, path, "网页表格过大", seconds=30)


def test_spreadsheetml_index_cannot_run_away(runner, tmp_path):
    path = tmp_path / "index.xls"
    path.write_text(
        '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S"><Table>'
        '<Row ss:Index="1000000"><Cell ss:Index="16000" ss:MergeAcross="abc"><Data ss:Type="String">x</Data></Cell>'
        "</Row></Table></Worksheet></Workbook>",
        encoding="utf-8",
    )
    _refused(runner, path, "过大", seconds=30)


@pytest.mark.parametrize("code", ["#DIV/0!", "#REF!", "#N/A"])
def test_error_values_in_amount_cells(runner, tmp_path, code):
    """An xlsx error cell is an unknown value (never a zero); the checks that need it are not assessable."""
    doc = _check(runner, _xlsx(tmp_path / "err.xlsx", _js03(F11=Err(code))))[1]
    assert _errors(doc) == [("QA.unknown-value", "F11")]
    assert code in next(f["message"] for f in doc["findings"] if f["rule"] == "QA.unknown-value")


@pytest.mark.parametrize("convert", [formats.to_html, lambda p, o: formats.to_csv(p, "S", o)], ids=["html", "csv"])
def test_error_values_as_text(runner, tmp_path, convert):
    source = write_xlsx(tmp_path / "src.xlsx", {"S": _js03(F11="#REF!")}, {"S": JS03_MERGES})
    path = convert(source, tmp_path / "err.xls")
    code, doc, _ = _check(runner, path)
    assert code == 1 and ("QA.bad-amount", "F11") in _errors(doc)


@pytest.mark.parametrize("value", [True, "2021-05-01"], ids=["boolean", "date"])
def test_dates_and_booleans_in_amount_cells(runner, tmp_path, value):
    code, doc, _ = _check(runner, _xlsx(tmp_path / "odd.xlsx", _js03(F11=value)))
    assert code == 1 and ("QA.bad-amount", "F11") in _errors(doc)


def test_real_date_cell_from_openpyxl(runner, tmp_path):
    import datetime

    path = write_xlsx(tmp_path / "date.xlsx", {"S": _js03(F11=datetime.datetime(2021, 5, 1))}, {"S": JS03_MERGES})
    code, doc, _ = _check(runner, path)
    assert code == 1 and ("QA.bad-amount", "F11") in _errors(doc)


def test_circular_formulas_without_cached_values(runner, tmp_path):
    code, doc, _ = _check(runner, _xlsx(tmp_path / "circ.xlsx", _js03(F11=Formula("G11"), G11=Formula("F11"))))
    unknown = [(f["rule"], f["cell"], f["severity"]) for f in doc["findings"] if f["rule"] == "QA.unknown-value"]
    assert code == 0 and unknown == [("QA.unknown-value", "F11", "warning"), ("QA.unknown-value", "G11", "warning")]


def test_circular_formulas_with_the_zeros_excel_caches(runner, tmp_path):
    """Nothing is evaluated: the cached zeros are the figures, and they do not add up."""
    rows = _js03(F11=Formula("G11", Decimal(0)), G11=Formula("F11", Decimal(0)))
    code, doc, _ = _check(runner, _xlsx(tmp_path / "circ0.xlsx", rows))
    assert code == 1 and ("JS03.tree", "F11") in _errors(doc)


def test_hidden_row_spelled_true_and_very_hidden_sheet(runner, tmp_path):
    """Extends test_formats' hidden row/sheet: hidden="true" and state="veryHidden" as other writers spell them."""
    sheet = sheet_xml(_js03(), MERGES).replace('<row r="11">', '<row r="11" hidden="true">')
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(xlsx_bytes({"支出决算表": sheet}, states={"支出决算表": "veryHidden"}))
    code, doc, _ = _check(runner, path)
    warnings = {(f["rule"], f["cell"]) for f in doc["findings"] if f["severity"] == "warning"}
    assert code == 0 and warnings == {("QA.hidden-row", "E11"), ("QA.hidden-sheet", "A1")}


def test_duplicated_table_is_flagged_and_the_same_one_checked_whatever_the_sheet_order(runner, tmp_path):
    first, second = sheet_xml(_js03(), MERGES), sheet_xml(_js03(F11=Decimal("61.00")), MERGES)
    docs = []
    for order in (("甲", "乙"), ("乙", "甲")):
        sheets = {"甲": first, "乙": second}
        path = tmp_path / f"dup-{order[0]}.xlsx"
        path.write_bytes(xlsx_bytes({n: sheets[n] for n in order}))
        code, doc, _ = _check(runner, path)
        docs.append([(f["rule"], f["sheet"], f["cell"], f["message"]) for f in doc["findings"] if f["severity"] != "info"])
    # the tables are taken in sheet-name order ("乙" U+4E59 before "甲" U+7532): 乙 is checked, 甲 flagged
    assert docs[0] == docs[1]
    assert ("QA.duplicate-table", "甲", "A1", "支出决算表 出现两次（工作表「乙」和「甲」），只检查第一张") in docs[0]
    assert {(rule, sheet) for rule, sheet, _, _ in docs[0]} == {("QA.duplicate-table", "甲"), ("JS03.row", "乙"), ("JS03.tree", "乙")}


def test_table_with_no_data_rows(runner, tmp_path):
    code, doc, _ = _check(runner, _xlsx(tmp_path / "empty-table.xlsx", js03([])))
    assert code == 0 and [t["table_id"] for t in doc["files"][0]["tables"]] == ["JS03"] and _errors(doc) == []


# ── Readers that crash: the child process takes the blow ─────────────────────────────────────────────────────

def _xls_with_cell_at_column(tmp_path: Path, col: int) -> Path:
    """An .xls (BIFF8) whose one RK cell is moved to column `col` (BIFF allows 0–255; the record holds 16 bits)."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("S")
    sheet.write(0, 0, 1.5)
    sheet.write(60_000, 200, 123.25)
    buf = io.BytesIO()
    book.save(buf)
    data = bytearray(buf.getvalue())
    at = data.find(struct.pack("<HHHH", 0x027E, 10, 60_000, 200))
    assert at > 0
    struct.pack_into("<H", data, at + 6, col)
    path = tmp_path / "far.xls"
    path.write_bytes(bytes(data))
    return path


def _xlsb_with_cells(tmp_path: Path, cells: list[tuple[int, int, object]]) -> Path:
    path = tmp_path / "far.xlsb"
    path.write_bytes(xlsb_bytes(cells))
    return path


def test_xls_that_aborts_the_reader(runner, tmp_path, clean_bytes):
    """calamine allocates rows × columns for this 6 KiB .xls and aborts the process; the reader runs in a child,
    so only this file is lost — and the message says what happened."""
    bad = _xls_with_cell_at_column(tmp_path, 0xFFFE)
    good = tmp_path / "good.xlsx"
    good.write_bytes(clean_bytes)
    result = _run(runner, "check", str(bad), str(good), "-f", "json", inputs=(bad, good))
    doc = json.loads(result.stdout)
    assert result.exit_code == 2 and "far.xls" in result.stderr and "读取器异常终止" in result.stderr
    assert [f["error"] is None for f in doc["files"]] == [False, True]


def test_xlsb_that_aborts_the_reader(runner, tmp_path):
    assert _check(runner, _xlsb_with_cells(tmp_path, [(0, 0, 1.0), (1_048_575, 16_383, 2.0)]))[0] == 2


def test_small_xlsb_is_read(tmp_path):
    from qidong_audit.io import read_workbook

    book = read_workbook(_xlsb_with_cells(tmp_path, [(0, 0, 1.5), (1, 2, 2.25)]))
    assert book.format == "xlsb" and book.sheets[0].rows == [[1.5, None, None], [None, None, 2.25]]


def test_isolated_reader_deadline_memory_and_errors():
    from qidong_audit.io.isolate import run_isolated
    from qidong_audit.io.limits import ReadError

    assert run_isolated(sum, [1, 2, 3], timeout_s=10, max_memory_bytes=1 << 30) == 6
    start = time.monotonic()
    with pytest.raises(ReadError, match="读取超时"):
        run_isolated(time.sleep, 30, timeout_s=1, max_memory_bytes=1 << 30)
    assert time.monotonic() - start < 10
    with pytest.raises(ReadError, match="内存"):
        run_isolated(bytearray, 2 << 30, timeout_s=30, max_memory_bytes=256 << 20)
    with pytest.raises(ReadError, match="^坏了$"):
        run_isolated(_raise_read_error, timeout_s=10, max_memory_bytes=1 << 30)
    with pytest.raises(ReadError, match="异常终止"):
        run_isolated(os.abort, timeout_s=10, max_memory_bytes=1 << 30)


def _raise_read_error():
    from qidong_audit.io.limits import ReadError

    raise ReadError("坏了")


# ── Rules files (extends tests/test_user_rules.py) ───────────────────────────────────────────────────────────

RULES = {
    "invalid-utf8": (b"\xff\xfe\x00[[rule]]", "UTF-8"),
    "rule-not-an-array": (b"rule = 5\n", "[[rule]]"),
    "rule-a-single-table": (b'[rule]\nid = "A"\n', "[[rule]]"),
    "constant-with-exponent": ('[[rule]]\nid = "A"\ntitle = "x"\ncheck = "JS03[合计, 基本支出] <= 1e999999999"\n'.encode(), "mine.toml:4"),
    "unknown-key": ('[[rule]]\nid = "A"\ntitle = "x"\nchek = "JS03[合计, 基本支出] = 1"\n'.encode(), "mine.toml:4"),
}


@pytest.mark.parametrize("case", RULES, ids=list(RULES))
def test_bad_rules_files_exit_2_naming_file_and_line(runner, tmp_path, case):
    content, words = RULES[case]
    rules = tmp_path / "mine.toml"
    rules.write_bytes(content)
    book = _xlsx(tmp_path / "js03.xlsx", _js03())
    result = _run(runner, "check", str(book), "--rules", str(rules), inputs=(book, rules))
    assert result.exit_code == 2 and words in " ".join(result.stderr.split())


def test_rules_path_that_is_a_folder(runner, tmp_path):
    book = _xlsx(tmp_path / "js03.xlsx", _js03())
    result = _run(runner, "check", str(book), "--rules", str(tmp_path), inputs=(book,))
    assert result.exit_code == 2 and str(tmp_path) in " ".join(result.stderr.split())


def test_empty_rules_file_adds_nothing(runner, tmp_path):
    rules = tmp_path / "mine.toml"
    rules.write_bytes(b"")
    book = _xlsx(tmp_path / "js03.xlsx", _js03())
    assert _run(runner, "check", str(book), "--rules", str(rules), inputs=(book, rules)).exit_code == 0


def test_deeply_nested_toml(runner, tmp_path):
    rules = tmp_path / "mine.toml"
    rules.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    book = _xlsx(tmp_path / "js03.xlsx", _js03())
    result = run_cli(runner, "check", str(book), "--rules", str(rules))
    assert result.exit_code == 2 and "嵌套过深" in result.stderr


# ── Nothing lost: outputs never replace inputs, and are written whole or not at all ──────────────────────────

WRITERS = {
    "check --output": ("check", "{book}", "-o", "{book}"),
    "check --summary-csv": ("check", "{book}", "--summary-csv", "{book}"),
    "check --summary-xlsx": ("check", "{book}", "--summary-xlsx", "{book}"),
    "check --annotate": ("check", "{book}", "--annotate", "{book}"),
    "inspect --output": ("inspect", "{book}", "-o", "{book}"),
    "report --output": ("report", "{text}", "-o", "{text}"),
    "report --tables --output": ("report", "{text}", "--tables", "{book}", "-o", "{book}"),
}


@pytest.mark.parametrize("case", WRITERS, ids=list(WRITERS))
def test_an_output_that_is_an_input_is_refused(runner, tmp_path, case):
    book = _xlsx(tmp_path / "js03.xlsx", _js03())
    text = tmp_path / "说明.txt"
    text.write_text("本年支出合计100.00万元，其中基本支出60.00万元，项目支出40.00万元。\n", encoding="utf-8")
    args = [a.format(book=book, text=text) for a in WRITERS[case]]
    result = _run(runner, *args, inputs=(book, text))
    assert result.exit_code == 2 and ("拒绝覆盖" in result.stderr)


def test_a_renderer_that_fails_leaves_the_previous_report_alone(runner, tmp_path, monkeypatch):
    import qidong_audit.render.json as renderer

    book = _xlsx(tmp_path / "js03.xlsx", _js03())
    out = tmp_path / "report.json"
    out.write_text("previous report\n", encoding="utf-8")

    def broken(*args, **kwargs):
        raise RuntimeError("renderer died half-way")

    monkeypatch.setattr(renderer, "render_report", broken)
    from qidong_audit.cli import app

    result = runner.invoke(app, ["check", str(book), "-f", "json", "-o", str(out)])
    # exit 2 with one message, never a traceback
    assert result.exit_code == 2 and "生成 json 报告失败" in result.stderr and "Traceback" not in result.stderr
    assert out.read_text("utf-8") == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["js03.xlsx", "report.json"]


@pytest.mark.parametrize("interruption", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
def test_an_interrupted_write_leaves_no_partial_file(runner, tmp_path, monkeypatch, interruption):
    """The write dies half-way through the temp file: the old report stays whole and no temp file is left."""
    import qidong_audit.cli.common as common

    book = _xlsx(tmp_path / "js03.xlsx", _js03())
    out = tmp_path / "report.json"
    out.write_text("previous report\n", encoding="utf-8")
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, text):
            self.fh.write(text[: len(text) // 2])
            self.fh.flush()
            raise interruption

    monkeypatch.setattr(common.os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    from qidong_audit.cli import app

    result = runner.invoke(app, ["check", str(book), "-f", "json", "-o", str(out)])
    if isinstance(interruption, OSError):
        assert result.exit_code == 2 and "report.json" in result.stderr
    else:
        assert result.exit_code != 0
    assert out.read_text("utf-8") == "previous report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["js03.xlsx", "report.json"]


# ── Determinism ───────────────────────────────────────────────────────────────────────────────────────────────

def _planted_workbook(path: Path) -> Path:
    """A full workbook with findings of several kinds: a wrong amount (errors in two tables) and a hidden sheet."""
    from fixtures.builders import clean_dataset, write_central

    written = write_central(clean_dataset(5), path)
    written.plant("JS03", "201", "基本支出", Decimal("1.23"))
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    parts = {n: src.read(n) for n in src.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'sheetId="2" state="visible"', b'sheetId="2" state="hidden"')
    path.write_bytes(zip_bytes(parts))
    return path


def _reorder_sheets(data: bytes, seed: int) -> bytes:
    """The same workbook with its <sheet> entries (tab order) shuffled; names and contents unchanged."""
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {n: src.read(n) for n in src.namelist()}
    import re

    wb = parts["xl/workbook.xml"]
    entries = re.findall(rb"<sheet [^>]*/>", wb)
    shuffled = entries[:]
    random.Random(seed).shuffle(shuffled)
    assert shuffled != entries
    head, _, rest = wb.partition(entries[0])
    tail = rest.rpartition(entries[-1])[2]
    parts["xl/workbook.xml"] = head + b"".join(shuffled) + tail
    return zip_bytes(parts)


def test_sheet_order_does_not_change_the_report(runner, tmp_path):
    path = _planted_workbook(tmp_path / "部门决算.xlsx")
    reports = []
    for seed in (None, 1, 2):
        if seed is not None:
            path.write_bytes(_reorder_sheets(_planted_workbook(tmp_path / "部门决算.xlsx").read_bytes(), seed))
        result = _run(runner, "check", str(path), "-f", "json", inputs=(path,))
        reports.append(result.stdout)
    doc = json.loads(reports[0])
    assert doc["summary"]["errors"] and any(f["rule"] == "QA.hidden-sheet" for f in doc["findings"])
    assert reports[0] == reports[1] == reports[2]


def test_same_input_gives_byte_identical_json_across_processes(tmp_path):
    """Two separate processes with different hash seeds (set iteration order) write the same bytes."""
    path = _planted_workbook(tmp_path / "部门决算.xlsx")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run([sys.executable, "-m", "qidong_audit", "check", str(path), "-f", "json"],
                              capture_output=True, env=env, timeout=120, cwd=Path(__file__).resolve().parent.parent)
        assert proc.returncode in (0, 1), proc.stderr.decode()
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1] and json.loads(outputs[0])["findings"]


def test_ctrl_c_exits_2_and_leaves_no_partial_report(tmp_path):
    """An interrupted run is 'the audit could not run' (2) for CI, not 'findings' (1)."""
    import signal
    import subprocess
    import sys
    import time

    slow = tmp_path / "slow.py"
    slow.write_text(
        "import time, qidong_audit.audit as a\n"
        "a.audit_paths = lambda *x, **k: time.sleep(60)\n"
        "from qidong_audit.cli import main\nmain()\n", encoding="utf-8")
    out = tmp_path / "r.json"
    import os
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, str(slow), "check", "-f", "json", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2 and "已中断" in err.decode()
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["slow.py"]
