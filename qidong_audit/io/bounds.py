"""Checks made on a zip container (xlsx, xlsm, xlsb, ods) before any reader decompresses it: declared sizes
and compression ratios (zip bombs), encryption, DTD/entity declarations (XML bombs), and the counts and
repeats a reader would trust and allocate for (sharedStrings' uniqueCount, ODS's number-rows-repeated).
"""

from __future__ import annotations

import re
import zipfile

from qidong_audit.io.limits import MiB, Limits, ReadError
from qidong_audit.io.zipparts import head as read_head

_MAX_MEMBERS = 10_000  # a real workbook has tens of parts; a zip of a million empty parts is an attack
_PROLOG = 64 * 1024  # a DOCTYPE can only come before the root element
_KEEP = 16 * 1024 * 1024  # whole parts handed on to the scan: bounded, however many small parts a zip holds
_DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_UNIQUE_COUNT = re.compile(rb'<(?:\w+:)?sst\b[^>]*?\suniqueCount="(\d+)"')
_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>")
_ODS_ROWS = re.compile(rb'number-rows-repeated="(\d+)"')
_ODS_COLS = re.compile(rb'number-columns-repeated="(\d+)"')
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')


def check_zip(zf: zipfile.ZipFile, data: bytes, fmt: str, limits: Limits) -> dict[str, bytes]:
    """Raise ReadError when the container `zf` (whose bytes are `data`) is too large, too compressed, encrypted
    or malicious.

    Returns the XML parts this check happened to read whole (those shorter than the prolog it reads anyway, by
    name, at most _KEEP bytes in all), so that xlsx_meta.scan does not inflate them a second time: in a standard
    workbook that is every part the scan needs, and calamine then reads them stored (zipparts.stored_copy). Only
    xlsx keeps them; nothing else reads them again."""
    infos = zf.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise ReadError(f"zip 中有 {len(infos):,} 个部件（上限 {_MAX_MEMBERS:,}），不是正常的工作簿")
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise ReadError(
            f"解压后过大（{total // MiB} MiB，上限 {limits.max_unzipped_bytes // MiB} MiB），疑似压缩炸弹"
            "（可用环境变量 QIDONG_AUDIT_MAX_UNZIPPED_MB 调整）"
        )
    for i in infos:
        if i.file_size > MiB and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            raise ReadError(f"压缩比异常（{i.filename} 解压后放大 {i.file_size // max(i.compress_size, 1)} 倍），疑似压缩炸弹")
    if any(i.flag_bits & 0x1 for i in infos):
        raise ReadError("工作簿已加密（设有打开密码），无法读取")
    whole: dict[str, bytes] = {}
    room = _KEEP if fmt == "xlsx" else 0
    for i in infos:
        if i.filename.lower().endswith((".xml", ".rels", ".vml")):
            head = read_head(zf, data, i, _PROLOG)
            if b"!" in head and _DOCTYPE.search(head):  # "!" is rare in a part: memchr skips most parts at once
                raise ReadError(f"{i.filename} 含有 DTD/实体声明（可能是“XML 炸弹”），工作簿不会这样写，拒绝读取")
            if i.filename == "xl/sharedStrings.xml":
                _check_shared_strings(head, i.file_size)
            # Shorter than asked for: the read reached the end of the part (and checked its CRC), so `head` is
            # exactly what zf.read would return — if this entry is the one zf.read picks for a repeated name.
            if len(head) < _PROLOG and len(head) <= room and zf.getinfo(i.filename) is i:
                whole[i.filename] = head
                room -= len(head)
    if fmt == "ods" and "content.xml" in zf.namelist():
        _check_ods_extent(zf.read("content.xml"), limits.max_cells)
    return whole


def _check_shared_strings(head: bytes, size: int) -> None:
    """calamine reserves room for uniqueCount strings up front; each needs at least `<si/>` (5 bytes)."""
    m = _UNIQUE_COUNT.search(head)
    if m and (len(m.group(1)) > 12 or int(m.group(1)) > size // 5 + 1):
        raise ReadError(f"xl/sharedStrings.xml 声明了 {int(m.group(1)):,} 个字符串，而它只有 {size:,} 字节，文件已损坏")


def _check_ods_extent(xml: bytes, max_cells: int) -> None:
    """The rows × columns each ODS table spans once number-rows-repeated / number-columns-repeated are
    expanded (only up to the last cell with content: trailing empty repeats are how LibreOffice pads)."""
    total = 0
    name, row, rows, cols = "", 0, 0, 0
    col, row_rep, row_has = 0, 1, False
    for m in _ODS_TAG.finditer(xml):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == b"table":
            if closing:
                total += rows * cols
            else:
                found = _ODS_NAME.search(attrs)
                name = found.group(1).decode("utf-8", "replace") if found else ""
                row = rows = cols = 0
            continue
        if tag == b"table-row":
            if closing:
                row += row_rep
                if row_has:
                    rows = row
            else:
                col, row_rep, row_has = 0, _repeat(_ODS_ROWS, attrs), False
                if empty:
                    row += row_rep
            continue
        if closing:
            continue
        col += _repeat(_ODS_COLS, attrs)
        if not empty or b"value-type" in attrs:
            row_has = True
            cols = max(cols, col)
            rows = max(rows, row + row_rep)
        if (max(rows, row + row_rep) if row_has else rows) * cols + total > max_cells:
            raise ReadError(
                f"工作表「{name}」展开重复行列后过大（至少 {max(rows, row + row_rep):,} 行 × {cols:,} 列，"
                f"超过单元格上限 {max_cells:,}；可用环境变量 QIDONG_AUDIT_MAX_CELLS 调整）"
            )


def _repeat(pattern: re.Pattern, attrs: bytes) -> int:
    m = pattern.search(attrs)
    if not m:
        return 1
    return int(m.group(1)) if len(m.group(1)) <= 9 else 10**9
