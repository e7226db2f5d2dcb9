"""Builders for hostile inputs: xlsx files written as raw XML (so a test can put anything in them — error cells,
formulas with or without cached values, hidden rows, a million rows, a cell in column XFD), a consistent
支出决算表 to start from, a deadline for code that must not hang, and hashing to prove inputs unchanged.

Shared by tests/test_hostile.py, tests/test_properties.py and the fuzz runner; it never imports qidong_audit.
"""

from __future__ import annotations

import hashlib
import io
import signal
import struct
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

# A consistent 支出决算表 in the central layout (tests/conftest.js03 adds the title, unit and header rows 1–7):
# 合计 = 类 = 款 = 项 sums and 本年支出合计 = 基本支出 + 项目支出 in every row.
JS03_DATA = [
    [None, None, None, "合计", Decimal("100.00"), Decimal("60.00"), Decimal("40.00")],
    ["201", None, None, "一般公共服务支出", Decimal("100.00"), Decimal("60.00"), Decimal("40.00")],
    ["201", "03", None, "政府办公厅（室）及相关机构事务", Decimal("100.00"), Decimal("60.00"), Decimal("40.00")],
    ["201", "03", "01", "行政运行", Decimal("60.00"), Decimal("60.00"), None],
    ["201", "03", "02", "一般行政管理事务", Decimal("40.00"), None, Decimal("40.00")],
]


@dataclass(frozen=True)
class Err:
    """An error value cell (t="e"): "#DIV/0!", "#REF!", "#N/A"."""

    code: str


@dataclass(frozen=True)
class Formula:
    """A formula cell; `cached` is the value Excel stored (None: never calculated)."""

    text: str
    cached: Decimal | None = None


def col_letters(col: int) -> str:
    """0-based column → "A", "XFD"."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_xml(row: int, col: int, value: object, style: int | None = None) -> str:
    """One <c> element for a 0-based (row, col); None gives no element."""
    ref = f"{col_letters(col)}{row + 1}"
    s = f' s="{style}"' if style is not None else ""
    if value is None:
        return ""
    if isinstance(value, Err):
        return f'<c r="{ref}"{s} t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<v>{value.cached}</v>"
        return f'<c r="{ref}"{s}><f>{escape(value.text)}</f>{cached}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list[object]], merges: tuple[str, ...] = (), hidden_rows: tuple[int, ...] = (),
              amount_style: int | None = 1) -> str:
    """A worksheet part from rows of values (row 0 is sheet row 1). Numbers get `amount_style` (#,##0.00)."""
    out = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{NS}"><sheetData>']
    for r, row in enumerate(rows):
        cells = "".join(
            cell_xml(r, c, v, amount_style if isinstance(v, (Decimal, float)) and not isinstance(v, bool) else None)
            for c, v in enumerate(row)
        )
        hidden = ' hidden="1"' if r in hidden_rows else ""
        if cells or hidden:
            out.append(f'<row r="{r + 1}"{hidden}>{cells}</row>')
    out.append("</sheetData>")
    if merges:
        out.append(f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    out.append("</worksheet>")
    return "".join(out)


_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.00"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    "</styleSheet>"
)


def xlsx_bytes(sheets: dict[str, str | bytes], *, states: dict[str, str] | None = None,
               parts: dict[str, str | bytes] | None = None, compresslevel: int = 6) -> bytes:
    """An xlsx from sheet name → worksheet XML. `states` hides sheets ("hidden", "veryHidden"); `parts` adds or
    replaces any part (e.g. xl/sharedStrings.xml)."""
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{NS}" xmlns:r="{_REL}"><sheets>'
            + "".join(
                f'<sheet name="{escape(n, {chr(34): "&quot;"})}" sheetId="{i}"'
                + (f' state="{states[n]}"' if n in (states or {}) else "")
                + f' r:id="rId{i}"/>'
                for i, n in enumerate(names, 1)
            )
            + "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{_PKG}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, len(names) + 1)
            )
            + f'<Relationship Id="rId{len(names) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            + f'<Relationship Id="rId{len(names) + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            + "</Relationships>"
        ),
        "xl/styles.xml": _STYLES,
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{NS}" count="0" uniqueCount="0"/>',
    }
    for i, n in enumerate(names, 1):
        files[f"xl/worksheets/sheet{i}.xml"] = sheets[n]
    files.update(parts or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, (2022, 5, 18, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def zip_bytes(parts: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, (2022, 5, 18, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _record(kind: int, payload: bytes = b"") -> bytes:
    """A BIFF12 record: type and size as 7-bit varints, then the payload."""
    out = bytearray()
    for v in (kind, len(payload)):
        while True:
            out.append((v & 0x7F) | (0x80 if v >> 7 else 0))
            v >>= 7
            if not v:
                break
    return bytes(out) + payload


def _wide(s: str) -> bytes:
    return struct.pack("<I", len(s)) + s.encode("utf-16-le")


def xlsb_bytes(cells: list[tuple[int, int, object]], sheet: str = "S") -> bytes:
    """A minimal .xlsb: one sheet with number or text cells at 0-based (row, col), in row order."""
    body = _record(129) + _record(148, bytes(16)) + _record(145)
    current = None
    for r, c, v in cells:
        if r != current:
            body += _record(0, struct.pack("<IIHBBBI", r, 0, 300, 0, 0, 0, 0))
            current = r
        if isinstance(v, str):
            body += _record(6, struct.pack("<II", c, 0) + _wide(v))
        else:
            body += _record(5, struct.pack("<IId", c, 0, float(v)))
    body += _record(146) + _record(130)
    rels = f'<?xml version="1.0"?><Relationships xmlns="{_PKG}">'
    return zip_bytes({
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>',
        "_rels/.rels": f'{rels}<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.bin"/></Relationships>',
        "xl/workbook.bin": _record(131) + _record(143) + _record(156, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
                           + _record(144) + _record(132),
        "xl/_rels/workbook.bin.rels": f'{rels}<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.bin"/></Relationships>',
        "xl/worksheets/sheet1.bin": body,
    })


def digest(*paths: Path) -> dict[str, str]:
    """sha256 of each file: compare before and after a command to prove the inputs were not touched."""
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


class Deadline(Exception):
    """Raised inside code that ran past its deadline."""


@contextmanager
def deadline(seconds: float):
    """Raise Deadline in the main thread if the block runs longer than `seconds` (a hang fails, never blocks)."""
    if not hasattr(signal, "SIGALRM"):  # pragma: no cover - Windows
        yield
        return

    def alarm(signum, frame):
        raise Deadline(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
