"""Spreadsheet files → raw cell grids (python-calamine; no pandas, no openpyxl on this path).

The format is sniffed from the bytes: real workbooks go to calamine (xlsx also gets a scan for formulas
without cached values, error values and number formats); ".xls" files that are HTML, SpreadsheetML 2003 XML
or CSV/TSV text go to the text readers. Every file is read in a child process (io/isolate.py) within the
limits of io/limits.py; whatever goes wrong becomes one ReadError naming the problem.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from qidong_audit.io.bounds import check_zip
from qidong_audit.io import isolate
from qidong_audit.io.isolate import Pending, run_isolated
from qidong_audit.io.limits import DEFAULT_LIMITS, MiB, Limits, ReadError
from qidong_audit.io.xlsx_meta import SheetMeta, scan
from qidong_audit.io.zipparts import stored_copy

__all__ = ["DEFAULT_LIMITS", "Limits", "RawSheet", "RawWorkbook", "ReadError", "read_workbook", "sniff"]

# Magic numbers: OLE2 compound file (real .xls, also encrypted xlsx), zip (xlsx/xlsm/xlsb/ods).
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError, NotImplementedError,
               EOFError, RuntimeError, UnicodeDecodeError)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".et", ".csv", ".tsv", ".htm", ".html", ".xml")


@dataclass(frozen=True, slots=True)
class RawSheet:
    name: str
    rows: list[list[object]]  # row-major; None for empty cells; row 0 is sheet row 1
    merges: list[tuple[tuple[int, int], tuple[int, int]]] | None  # 0-based ((r0, c0), (r1, c1)); None = unknown
    hidden: bool = False
    meta: SheetMeta | None = None  # xlsx only: formulas without value, error cells, displayed decimals
    row_labels: list[str] | None = None  # PDF: where each row is ("第3页"), used in place of the sheet name


@dataclass(frozen=True, slots=True)
class RawWorkbook:
    path: str
    format: str  # "xlsx" | "xls" | "ods" | "xlsb" | "html" | "spreadsheetml" | "text" | "pdf"
    sheets: list[RawSheet]
    text_lines: tuple[tuple[int, str], ...] = ()  # PDF: (page, line) of the text outside the tables


def sniff(head: bytes, data: bytes) -> str:
    """Name the container format from the bytes themselves."""
    if head.startswith(_ZIP):
        with _open_zip(data) as zf:
            return _zip_format(zf)
    if head.startswith(_OLE2):
        return "xls"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if not head:
        raise ReadError("文件为空（0 字节）")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<html", b"<!doctype", b"<table", b"<div", b"<meta", b"<head", b"<body", b"<!--", b"<p", b"<style")):
        return "html"
    if stripped.startswith(b"<?xml"):
        return "spreadsheetml" if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096] else "html"
    if b"\x00" not in head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"
    raise ReadError("无法识别的文件格式：不是 xlsx/xlsm/xls/xlsb/ods 工作簿，也不是网页、XML 或 CSV 表格")


def _open_zip(data: bytes) -> zipfile.ZipFile:
    """The zip behind an xlsx/xlsb/ods; a ReadError when its directory cannot be read."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except _ZIP_ERRORS:
        raise ReadError("文件已损坏：不是有效的 xlsx（zip）文件") from None


def _zip_format(zf: zipfile.ZipFile) -> str:
    """"ods", "xlsb" or "xlsx", from the parts the zip holds."""
    try:
        names = set(zf.namelist())
        if "mimetype" in names and zf.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "xl/workbook.xml" in names:
            return "xlsx"
    except _ZIP_ERRORS:
        raise ReadError("文件已损坏：不是有效的 xlsx（zip）文件") from None
    raise ReadError("zip 文件中没有工作簿（不是 xlsx/ods 文件）")


def read_workbook(path: str | Path, limits: Limits | None = None) -> RawWorkbook:
    """Read every sheet of a workbook. Raises ReadError (never another exception) for bad input.
    Without `limits`, the defaults as overridden by QIDONG_AUDIT_* environment variables."""
    limits = limits or Limits.from_env()
    ahead = _AHEAD.pop((str(path), limits), None)
    if ahead is not None:
        return ahead.result()
    data = _file_bytes(Path(path), limits)
    return run_isolated(_read, str(path), data, limits, timeout_s=limits.read_timeout_s,
                        max_memory_bytes=limits.max_memory_bytes)


# Reads begun before they are asked for (read_ahead), by (path, limits); read_workbook takes them from here.
_AHEAD: dict[tuple[str, Limits], Pending] = {}


def read_ahead(path: str | Path) -> None:
    """Start reading `path` in its child process now, so that the read overlaps whatever this process does
    before it calls read_workbook(path) — a one-file `check` imports the checking pipeline meanwhile, on the
    other core. Anything amiss (a bad limit, a missing file) is left for read_workbook to report."""
    if not hasattr(os, "fork") or isolate.IN_READER:
        return
    try:
        limits = Limits.from_env()
        data = _file_bytes(Path(path), limits)
    except ReadError:
        return
    key = (str(path), limits)
    if key not in _AHEAD:
        _AHEAD[key] = Pending(_read, (str(path), data, limits), limits.read_timeout_s, limits.max_memory_bytes)


def cancel_reads_ahead() -> None:
    """End the reads begun ahead that nobody asked for (the command stopped before it audited)."""
    while _AHEAD:
        _AHEAD.popitem()[1].cancel()


def _file_bytes(p: Path, limits: Limits) -> bytes:
    """The file's bytes, once it is known to be a regular file within the size limit."""
    try:
        info = p.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ReadError("这是一个文件夹，不是文件")
        if not stat.S_ISREG(info.st_mode):  # a pipe would block the read, /dev/zero would never end it
            raise ReadError("不是普通文件（设备、管道或套接字），不读取")
        if info.st_size > limits.max_file_bytes:
            raise ReadError(
                f"文件过大（{info.st_size / MiB:.1f} MiB，上限 {limits.max_file_bytes // MiB} MiB；"
                "可用环境变量 QIDONG_AUDIT_MAX_FILE_MB 调整）"
            )
        with p.open("rb") as fh:
            # As many bytes as stat said, and one more to notice growth: asking for the whole limit at once would
            # have Python allocate (and give back) max_file_bytes for every file, however small.
            data = fh.read(info.st_size + 1)
            if len(data) > info.st_size:  # it grew since stat (or stat cannot tell, as for /proc files): read on
                data += fh.read(limits.max_file_bytes + 1 - len(data))
    except FileNotFoundError:
        raise ReadError("文件不存在") from None
    except IsADirectoryError:
        raise ReadError("这是一个文件夹，不是文件") from None
    except OSError as exc:
        raise ReadError(f"无法读取文件：{exc.strerror or exc}") from None
    if len(data) > limits.max_file_bytes:  # it grew between stat and read
        raise ReadError(f"文件过大（上限 {limits.max_file_bytes // MiB} MiB）")
    return data


def _read(path: str, data: bytes, limits: Limits) -> RawWorkbook:
    metas: dict[str, SheetMeta] = {}
    book = data  # what calamine reads: the file, or the same zip with the parts read here stored uncompressed
    if data.startswith(_ZIP):  # the one ZipFile serves the sniff, the container checks and the scan
        with _open_zip(data) as zf:
            fmt = _zip_format(zf)
            metas, book = _check_zip(zf, data, fmt, limits)
    else:
        fmt = sniff(data[:512], data)
    if fmt in ("html", "spreadsheetml", "text"):
        return _read_textual(path, fmt, data, Path(path).stem, limits)
    if fmt == "pdf":
        return _read_pdf(path, data)
    if fmt == "xls" and _looks_encrypted(data):
        raise ReadError("工作簿已加密（设有打开密码），无法读取")
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_filelike(io.BytesIO(book))
    except Exception as exc:  # calamine raises several unrelated types for bad input
        raise ReadError(f"无法打开工作簿（{fmt}）：{_open_error(data, fmt, exc)}") from None
    sheets: list[RawSheet] = []
    meta = {m.name: m for m in _sheets_metadata(wb)}
    cells = 0
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            cells += (sheet.total_height or 0) * (sheet.total_width or 0)
            if cells > limits.max_cells:
                raise ReadError(f"工作表「{name}」过大（工作簿超过 {limits.max_cells:,} 个单元格的上限；"
                                "可用环境变量 QIDONG_AUDIT_MAX_CELLS 调整）")
            rows = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges
        except ReadError:
            raise
        except Exception as exc:
            why = "文件中没有这张表的数据" if str(exc).strip() == name else _short(exc)
            raise ReadError(f"工作表「{name}」无法读取：{why}") from None
        grid = [[None if v == "" else v for v in r] for r in rows]
        m = meta.get(name)
        hidden = m is not None and str(getattr(m, "visible", "")).lower().endswith("hidden")
        sheets.append(RawSheet(name, grid, list(merges) if merges is not None else None, hidden, metas.get(name)))
    return RawWorkbook(path, fmt, sheets)


def _check_zip(zf: zipfile.ZipFile, data: bytes, fmt: str, limits: Limits) -> tuple[dict[str, SheetMeta], bytes]:
    """Refuse zip bombs before anything is decompressed; scan xlsx sheet XML for what calamine hides. Returns the
    scan and the bytes calamine is to read: for an xlsx, the zip with the parts inflated here stored."""
    try:
        whole = check_zip(zf, data, fmt, limits)
        if fmt != "xlsx":
            return {}, data
        metas = scan(zf, limits.max_cells, whole)
        return metas, (stored_copy(zf, data, whole) if whole else None) or data
    except ReadError:
        raise
    except _ZIP_ERRORS as exc:
        raise ReadError(f"文件已损坏：{_short(exc)}") from None


def _read_textual(path: str, fmt: str, data: bytes, stem: str, limits: Limits) -> RawWorkbook:
    from qidong_audit.io import textual  # html.parser and friends: only for the files that need them

    try:
        if fmt == "html":
            found = textual.read_html(data, limits.max_cells)
        elif fmt == "spreadsheetml":
            found = textual.read_spreadsheetml(data, limits.max_cells)
        else:
            found = textual.read_delimited(data, stem, limits.max_cells)
    except ReadError:
        raise
    except Exception as exc:  # malformed markup or text: one clear message, never a traceback
        kind = {"html": "网页表格", "spreadsheetml": "XML 表格", "text": "CSV/TSV 文本"}[fmt]
        raise ReadError(f"无法解析{kind}：{_short(exc)}") from None
    return RawWorkbook(path, fmt, [RawSheet(name, rows, merges) for name, rows, merges in found])


def _read_pdf(path: str, data: bytes) -> RawWorkbook:
    """A published PDF: all pages as one grid, each row labelled with its page (io/pdf.py)."""
    from qidong_audit.io.pdf import PdfError, read_pdf

    try:
        content = read_pdf(data)
    except PdfError as exc:
        raise ReadError(str(exc)) from None
    labels = [f"第{p}页" for p in content.row_pages]
    return RawWorkbook(path, "pdf", [RawSheet("PDF", content.rows, None, row_labels=labels)], tuple(content.lines))


def _open_error(data: bytes, fmt: str, exc: Exception) -> str:
    """What went wrong, in calamine's words. Opened from bytes, calamine tries every format and only says
    "Cannot detect file format"; opened as a file named for the sniffed format it names the real fault."""
    import tempfile

    from python_calamine import CalamineWorkbook

    if "detect file format" not in str(exc):
        return _short(exc)
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / f"probe.{fmt}"
        probe.write_bytes(data)
        try:
            CalamineWorkbook.from_path(str(probe)).close()
        except Exception as again:
            return _short(again)
    return _short(exc)


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
