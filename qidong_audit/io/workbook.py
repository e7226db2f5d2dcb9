"""Spreadsheet files → raw cell grids (python-calamine; no pandas, no openpyxl on this path)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Magic numbers: OLE2 compound file (real .xls, also encrypted xlsx), zip (xlsx/xlsm/xlsb/ods).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


class ReadError(Exception):
    """The file cannot be audited; the message names the problem in the user's terms."""


@dataclass(frozen=True, slots=True)
class RawSheet:
    name: str
    rows: list[list[object]]  # row-major; None for empty cells; row 0 is sheet row 1
    merges: list[tuple[tuple[int, int], tuple[int, int]]] | None  # 0-based ((r0, c0), (r1, c1)); None = unknown
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class RawWorkbook:
    path: str
    format: str  # "xlsx" | "xls" | "ods" | "xlsb"
    sheets: list[RawSheet]


def sniff(head: bytes, data: bytes) -> str:
    """Name the container format from the bytes themselves."""
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                    return "ods"
                if "xl/workbook.bin" in names:
                    return "xlsb"
                if "xl/workbook.xml" in names:
                    return "xlsx"
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
            raise ReadError("文件已损坏：不是有效的 xlsx（zip）文件") from None
        raise ReadError("zip 文件中没有工作簿（不是 xlsx/ods 文件）")
    if head.startswith(_OLE2):
        return "xls"
    if not head:
        raise ReadError("文件为空（0 字节）")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<div", b"<meta")):
        raise ReadError("文件实际是 HTML 网页（扩展名为表格），暂不支持此格式")
    if stripped.startswith(b"<?xml"):
        raise ReadError("文件实际是 XML（可能是 SpreadsheetML 2003），暂不支持此格式")
    raise ReadError("无法识别的文件格式：不是 xlsx/xlsm/xls/xlsb/ods 工作簿")


def read_workbook(path: str | Path) -> RawWorkbook:
    """Read every sheet of a workbook. Raises ReadError (never another exception) for bad input."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ReadError("文件不存在") from None
    except IsADirectoryError:
        raise ReadError("这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise ReadError(f"无法读取文件：{exc.strerror or exc}") from None
    fmt = sniff(data[:512], data)
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # calamine raises several unrelated types for bad input
        if fmt == "xls" and _looks_encrypted(data):
            raise ReadError("工作簿已加密（设有打开密码），无法读取") from None
        raise ReadError(f"无法打开工作簿（{fmt}）：{_short(exc)}") from None
    sheets: list[RawSheet] = []
    meta = {m.name: m for m in _sheets_metadata(wb)}
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges
        except Exception as exc:
            raise ReadError(f"工作表「{name}」无法读取：{_short(exc)}") from None
        grid = [[None if v == "" else v for v in r] for r in rows]
        m = meta.get(name)
        hidden = m is not None and str(getattr(m, "visible", "")).lower().endswith(("hidden", "veryhidden"))
        sheets.append(RawSheet(name, grid, list(merges) if merges is not None else None, hidden))
    return RawWorkbook(str(path), fmt, sheets)


def _sheets_metadata(wb: object) -> list:
    try:
        return list(getattr(wb, "sheets_metadata", []) or [])
    except Exception:  # metadata is a nicety; never fail a read over it
        return []


def _looks_encrypted(data: bytes) -> bool:
    # An encrypted OOXML file is an OLE2 container holding an "EncryptedPackage" stream.
    return "EncryptedPackage".encode("utf-16-le") in data[:65536] or b"EncryptedPackage" in data


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
