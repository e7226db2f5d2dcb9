"""Written reports (决算情况说明, 绩效评价报告) as numbered paragraphs: .txt/.md, .docx and .pdf (text layer).

The format is sniffed from the bytes, not the extension. python-docx and pypdf are imported only when a file
needs them; pypdf comes with the optional extra `pdf`. Every failure is a DocumentError naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qidong_audit.io.textual import decode

DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".docx", ".pdf")

# A line ends a paragraph when it ends a sentence; PDF lines are otherwise wrapped mid-sentence.
_ENDS_SENTENCE = re.compile(r"[。！？!?；;：:」』”）)]\s*$")
_STARTS_ITEM = re.compile(
    r"^\s*(?:[(（]?[0-9０-９]{1,2}[)）、.．]|[(（]?[一二三四五六七八九十]{1,3}[)）、]|[①-⑳]|第[一二三四五六七八九十]+[章节部分])"
)
_MD_PREFIX = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+(?=\S))")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_MD_RULE = re.compile(r"^\s*(?:\|?\s*:?-{3,}:?\s*)+\|?\s*$")


class DocumentError(Exception):
    """A report file could not be read; the message says which file and why (Chinese, for people)."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of text with the 1-based line each part of it came from."""

    text: str
    line: int  # where the paragraph starts
    breaks: tuple[tuple[int, int], ...] = ()  # (offset in text, line) where a later source line begins

    def line_at(self, offset: int) -> int:
        line = self.line
        for start, n in self.breaks:
            if offset >= start:
                line = n
            else:
                break
        return line


@dataclass(frozen=True, slots=True)
class Document:
    path: str
    kind: str  # "text" | "markdown" | "docx" | "pdf"
    paragraphs: tuple[Paragraph, ...]


def read_document(path: str) -> Document:
    """Read a report into paragraphs. Raises DocumentError (file named) for anything unreadable."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{path}：文件不存在") from None
    except IsADirectoryError:
        raise DocumentError(f"{path}：是文件夹，不是报告文件") from None
    except OSError as exc:
        raise DocumentError(f"{path}：无法读取（{exc.strerror or exc}）") from None
    if data.startswith(b"%PDF"):
        doc = Document(path, "pdf", _pdf_paragraphs(path, data))
    elif data.startswith(b"PK\x03\x04"):
        doc = Document(path, "docx", _docx_paragraphs(path, data))
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentError(f"{path}：是旧版 Word（.doc）或 Excel 文件，请另存为 .docx 或 .txt 后再核对")
    elif b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError(f"{path}：不是文本、Word（.docx）或 PDF 文件")
    else:
        markdown = p.suffix.lower() in (".md", ".markdown")
        lines = decode(data).splitlines()
        if markdown:
            lines = [_markdown_line(s) for s in lines]
        doc = Document(path, "markdown" if markdown else "text", _line_paragraphs(lines))
    if not any(par.text.strip() for par in doc.paragraphs):
        if doc.kind == "pdf":
            raise DocumentError(f"{path}：PDF 没有文字层（可能是扫描件），无法读取其中的数字；请先做文字识别（OCR）")
        raise DocumentError(f"{path}：文件中没有文字")
    return doc


def _line_paragraphs(lines: list[str]) -> tuple[Paragraph, ...]:
    """A text file: each non-blank line is a paragraph (reports put one paragraph on a line)."""
    return tuple(Paragraph(s.strip(), n) for n, s in enumerate(lines, 1) if s.strip())


def _markdown_line(s: str) -> str:
    if _MD_RULE.match(s):
        return ""
    s = _MD_PREFIX.sub("", s)
    s = _MD_EMPHASIS.sub("", s)
    if s.strip().startswith("|"):
        cells = [c.strip() for c in s.strip().strip("|").split("|")]
        s = "  ".join(c for c in cells if c)
    return s


def from_lines(path: str, lines: list[str]) -> Document:
    """A document from lines already extracted elsewhere (the text outside a PDF's tables)."""
    return Document(path, "pdf", _wrapped_paragraphs(lines))


def _wrapped_paragraphs(lines: list[str]) -> tuple[Paragraph, ...]:
    """Lines wrapped mid-sentence (a PDF's text layer) joined back into paragraphs. A line ends its paragraph when
    it ends a sentence, when it is short (a heading, a paragraph's last line), or when the next starts an item."""
    lengths = sorted(len(s.strip()) for s in lines if s.strip())
    width = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 0
    out: list[Paragraph] = []
    text, start, breaks, last = "", 0, [], ""
    for n, raw in enumerate(lines, 1):
        s = raw.strip()
        if not s:
            if text:
                out.append(Paragraph(text, start, tuple(breaks)))
                text, breaks = "", []
            continue
        if text and (_ENDS_SENTENCE.search(text) or _STARTS_ITEM.match(s) or len(last) < 0.7 * width):
            out.append(Paragraph(text, start, tuple(breaks)))
            text, breaks = "", []
        if not text:
            text, start = s, n
        else:
            # English words wrapped at a line end get their space back; digits and CJK join directly
            joint = " " if text[-1].isascii() and s[0].isascii() and text[-1].isalpha() and s[0].isalpha() else ""
            breaks.append((len(text) + len(joint), n))
            text += joint + s
        last = s
    if text:
        out.append(Paragraph(text, start, tuple(breaks)))
    return tuple(out)


def _docx_paragraphs(path: str, data: bytes) -> tuple[Paragraph, ...]:
    """Body paragraphs and table rows in document order; a table row is one paragraph (cells joined)."""
    import io
    import zipfile

    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph as DocxParagraph
    except ImportError:  # pragma: no cover - python-docx is a dependency
        raise DocumentError(f"{path}：读取 Word 文档需要 python-docx（pip install python-docx）") from None
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(f"{path}：不是可读的 Word（.docx）文档（{type(exc).__name__}）") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise DocumentError(f"{path}：不是可读的 Word（.docx）文档（{type(exc).__name__}）") from None
    texts: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            texts.append(DocxParagraph(child, document).text)
        elif tag == "tbl":
            texts.extend(_docx_table_rows(Table(child, document)))
    return _line_paragraphs(texts)


def _docx_table_rows(table) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            t = " ".join(cell.text.split())
            if t and (not cells or cells[-1] != t):  # a merged cell repeats its text across the merge
                cells.append(t)
        rows.append("  ".join(cells))
    return rows


def _pdf_paragraphs(path: str, data: bytes) -> tuple[Paragraph, ...]:
    import io

    try:
        from pypdf import PdfReader
    except ImportError:
        raise DocumentError(
            f"{path}：读取 PDF 需要可选依赖 pypdf，请安装：pip install 'qidong-audit[pdf]'"
        ) from None
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise DocumentError(f"{path}：PDF 已加密，无法读取") from None
        lines: list[str] = []
        for page in reader.pages:
            lines.extend((page.extract_text() or "").splitlines())
            lines.append("")
    except DocumentError:
        raise
    except Exception as exc:  # a damaged PDF fails in many ways inside pypdf; none may escape as a traceback
        raise DocumentError(f"{path}：PDF 已损坏或无法解析（{type(exc).__name__}）") from None
    return _wrapped_paragraphs(lines)
