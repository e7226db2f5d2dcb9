"""Turn one block of a sheet into a Table: header rows flattened to paths, columns classified into
code / label / amount columns grouped in panels, and data rows keyed by code and label."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from qidong_audit.model import Cell, Row
from qidong_audit.numbers import parse_amount
from qidong_audit.recognise.blocks import Block, is_meta_text
from qidong_audit.recognise.spec import TableSet, TableSpec
from qidong_audit.recognise.text import cell_text, is_subset_label, norm, strip_ordinal, strip_subset

QUALIFIERS = frozenset({"预算数", "决算数"})
LABEL_HEADERS = frozenset({"项目", "科目名称", "名称", "项目名称", "科目", "功能分类科目名称", "经济分类科目名称", "支出功能分类科目名称"})
TOTAL_LABELS = frozenset({"合计", "总计", "小计", "本年收入合计", "本年支出合计", "人员经费合计", "公用经费合计"})
_CODE_TEXT = re.compile(r"^\[?(\d{3}(?:\s*\d{2}){0,2})\]?$")
_CODE_IN_LABEL = re.compile(r"^\[?(\d{3}(?:\s?\d{2}){0,2})\]?\s*(.*)$")
_NOTE = re.compile(r"^(?:注|备注|说明)[:：0-9一、]|无数据|本表为空|无此项|无相关数据|本表无")
_MAX_HEADER_ROWS = 6


def a1(row: int, col: int) -> str:
    """0-based (row, col) → "C12"."""
    letters = ""
    c = col + 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _holdable(d: Decimal) -> bool:
    """An amount a spreadsheet can hold: under 10¹⁶, at most 20 significant digits and 20 decimals. Text like
    "1e999999999" or a cell of 30,000 digits is no amount, and would overflow every check that adds it."""
    exp = d.as_tuple().exponent
    return isinstance(exp, int) and exp >= -20 and len(d.as_tuple().digits) <= 20 and d.adjusted() < 16


def _whole(value: object) -> int | None:
    """A number that is a whole number (codes, 栏次), as int; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


def _code_text(value: object) -> str | None:
    """A classification code as digits ("2080505", "208 05 05", 2080505.0), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (float, Decimal)):
        value = _whole(value)
        if value is None:
            return None
    s = norm(str(value))
    m = _CODE_TEXT.match(s)
    return m.group(1).replace(" ", "") if m else None


def _suffix(value: object) -> str | None:
    """款/项 suffix: "05", or 5 when Excel dropped the leading zero of a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (float, Decimal)):
        value = _whole(value)
        if value is None:
            return None
    s = norm(str(value))
    return s.zfill(2) if s.isdigit() and len(s) in (1, 2, 3, 5, 7) else None


@dataclass
class ColumnRole:
    col: int
    path: list[str]  # normalised, alias-mapped header parts
    printed: str
    role: str  # "code" | "code类" | "code款" | "code项" | "label" | "rownum" | "amount" | "none"
    panel: int = 0
    key: str = ""


@dataclass
class Layout:
    header_rows: list[int]
    label_rows: list[int]  # header rows holding labels (not the 栏次 row)
    data_rows: list[int]
    columns: list[ColumnRole]
    panel_names: list[str]
    note: str | None
    end_row: int  # last row used (0-based, inclusive)
    issues: list[tuple[str, int, int, str]] = field(default_factory=list)  # (kind, row, col, text)


def _row_cells(block: Block, r: int) -> list[object]:
    return block.sheet.rows[r] if r < len(block.sheet.rows) else []


def _is_column_number_row(row: list[object]) -> bool:
    """The 栏次/行次 row: "栏次" and 1, 2, 3 … under the amount columns."""
    texts = [norm(cell_text(v)) for v in row if isinstance(v, str) and v.strip()]
    if texts and all(t in ("栏次", "行次") for t in texts):
        return True
    nums = [v for v in row if v is not None and not (isinstance(v, str) and not v.strip())]
    seq = [_whole(v) for v in nums]
    if len(nums) >= 2 and all(x is not None for x in seq):
        return seq == list(range(seq[0], seq[0] + len(seq))) and seq[0] in (0, 1)
    return False


def _is_note_row(row: list[object]) -> str | None:
    texts = [cell_text(v).strip() for v in row if v is not None and cell_text(v).strip()]
    if not texts:
        return None
    first = norm(texts[0])
    if _NOTE.search(first) and not any(parse_amount(v).number for v in row if v is not None and not isinstance(v, str)):
        return "".join(texts)
    return None


def _is_data_row(row: list[object]) -> bool:
    for v in row:
        if v is None:
            continue
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            return True
        s = cell_text(v).strip()
        if not s:
            continue
        if _code_text(s) or parse_amount(s).number:
            return True
    texts = [norm(cell_text(v)) for v in row if v is not None and cell_text(v).strip()]
    if texts and strip_ordinal(texts[0]) != texts[0]:
        return True
    return len(texts) == 1 and texts[0] in TOTAL_LABELS


def _merge_map(block: Block, rows: list[int]) -> dict[tuple[int, int], tuple[int, int]]:
    """Each cell covered by a merged range (but not its anchor) → the anchor, for the given rows."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    wanted = set(rows)
    for (r0, c0), (r1, c1) in block.sheet.merges or []:
        for r in range(r0, r1 + 1):
            if r not in wanted:
                continue
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    out[(r, c)] = (r0, c0)
    return out


def _header_paths(block: Block, header_rows: list[int], width: int, tables: TableSet) -> list[tuple[list[str], str]]:
    merged = _merge_map(block, header_rows)
    grid: list[list[str]] = []
    for r in header_rows:
        row = _row_cells(block, r)
        line = []
        for c in range(width):
            anchor = merged.get((r, c))
            if anchor is not None:
                ar, ac = anchor
                v = _row_cells(block, ar)[ac] if ac < len(_row_cells(block, ar)) else None
            else:
                v = row[c] if c < len(row) else None
            line.append(cell_text(v).strip())
        grid.append(line)
    if block.sheet.merges is None:
        _forward_fill(grid)
    out = []
    for c in range(width):
        parts: list[str] = []
        printed: list[str] = []
        for line in grid:
            t = line[c]
            if not t:
                continue
            p = tables.canon(t)
            if p and (not parts or parts[-1] != p):
                parts.append(p)
                printed.append(" ".join(t.split()))
        out.append((parts, "/".join(printed)))
    return out


def _forward_fill(grid: list[list[str]]) -> None:
    """Without merge information (ods), a group header printed once spans the columns to its right
    until the next group header, where the row below has sub-headers."""
    for i in range(len(grid) - 1):
        line, below = grid[i], grid[i + 1]
        last = ""
        for c in range(len(line)):
            if line[c]:
                last = line[c]
            elif last and below[c]:
                line[c] = last
            else:
                last = ""


def _classify(parts: list[str]) -> str:
    if not parts:
        return "none"
    leaf = parts[-1]
    if leaf in ("行次", "栏次"):
        return "rownum"
    if leaf in ("类", "款", "项"):
        return "code" + leaf
    if any("编码" in p or "代码" in p for p in parts):
        return "code"
    if leaf in LABEL_HEADERS or leaf.endswith("名称"):
        return "label"
    return "amount"


def _assign_key(spec: TableSpec, parts: list[str]) -> str:
    """The canonical key whose pattern fits the header path best. The pattern must include the column's
    most specific part (ignoring 预算数/决算数 qualifiers; "人员经费/决算数" falls back to 决算数)."""
    have = set(parts)
    leaves = [next((p for p in reversed(parts) if p not in QUALIFIERS), parts[-1]), parts[-1]]
    for leaf in leaves:
        best: tuple[int, str] | None = None
        for col in spec.columns:
            for pattern in col.patterns:
                if leaf in pattern and pattern <= have and (best is None or len(pattern) > best[0]):
                    best = (len(pattern), col.key)
        if best:
            return best[1]
    return "/".join(parts)


def analyse(block: Block, spec: TableSpec, tables: TableSet) -> Layout:
    rows = block.sheet.rows
    r = block.title_row + 1
    # Meta lines (单位, 部门, 公开0X表, year) between the title and the header.
    while r < block.end:
        row = _row_cells(block, r)
        texts = [cell_text(v) for v in row if v is not None and cell_text(v).strip()]
        if texts and not all(isinstance(v, str) and is_meta_text(v) for v in row if v is not None and cell_text(v).strip()):
            break
        r += 1
    header_rows: list[int] = []
    while r < block.end and len(header_rows) < _MAX_HEADER_ROWS:
        row = _row_cells(block, r)
        if _is_note_row(row):
            break
        if not any(v is not None and cell_text(v).strip() for v in row):
            r += 1
            continue
        if not _is_column_number_row(row) and _is_data_row(row):
            break
        header_rows.append(r)
        r += 1
    width = max((len(rows[i]) for i in range(block.title_row, block.end)), default=0)
    number_rows = [h for h in header_rows if _is_column_number_row(_row_cells(block, h))]
    label_rows = [h for h in header_rows if h not in number_rows]
    paths = _header_paths(block, label_rows, width, tables)
    columns = [ColumnRole(c, parts, printed, _classify(parts)) for c, (parts, printed) in enumerate(paths)]
    _group_panels(columns)
    names = _panel_names(spec, columns)
    per_panel: dict[tuple[int, str], int] = {}
    for col in columns:
        if col.role == "amount":
            key = _assign_key(spec, col.path)
            n = per_panel.get((col.panel, key), 0)
            per_panel[(col.panel, key)] = n + 1
            col.key = key if n == 0 else f"{key}#{n + 1}"
    data_rows: list[int] = []
    note = None
    end_row = max(header_rows, default=block.title_row)
    header_texts = {norm(cell_text(v)) for h in label_rows for v in _row_cells(block, h) if isinstance(v, str) and v.strip()}
    while r < block.end:
        row = _row_cells(block, r)
        found = _is_note_row(row)
        if found:
            note = note or found
            end_row = r
            r += 1
            continue
        if note is None and any(v is not None and cell_text(v).strip() for v in row):
            if not _is_repeat(row, header_texts, spec, tables):
                data_rows.append(r)
            end_row = r
        r += 1
    return Layout(header_rows, label_rows, data_rows, columns, names, note, end_row)


def _is_repeat(row: list[object], header_texts: set[str], spec: TableSpec, tables: TableSet) -> bool:
    """A table continued on the next page repeats its title ("（续）"), unit line, header and 栏次 row."""
    from qidong_audit.recognise.blocks import match_title

    cells = [v for v in row if v is not None and cell_text(v).strip()]
    texts = [norm(cell_text(v)) for v in cells if isinstance(v, str)]
    if _is_column_number_row(row):
        return True
    if len(texts) != len(cells):
        return False
    if len(texts) <= 3 and (match_title("".join(texts), tables) is spec or all(is_meta_text(t) for t in texts)):
        return True
    return len(texts) >= 2 and all(t in header_texts for t in texts)


def _group_panels(columns: list[ColumnRole]) -> None:
    """Side-by-side panels (收入 | 支出; 人员经费 | 公用经费): a code or label column after amounts opens a new one."""
    panel, seen_amount = 0, False
    for col in columns:
        if col.role.startswith("code") or col.role == "label":
            if seen_amount:
                panel, seen_amount = panel + 1, False
        elif col.role == "amount":
            seen_amount = True
        col.panel = panel


def _panel_names(spec: TableSpec, columns: list[ColumnRole]) -> list[str]:
    """收入/支出 where the table has meaningful panels; otherwise column groups are layout only ("")."""
    count = max((c.panel for c in columns), default=0) + 1
    if not spec.panels:
        return [""] * count
    names = []
    for i in range(count):
        tops = {c.path[0] for c in columns if c.panel == i and c.path}
        named = [p for p in spec.panels if p in tops]
        if named:
            names.append(named[0])
        elif i < len(spec.panels):
            names.append(spec.panels[i])
        elif count == 1:
            names.append("")
        else:
            names.append(str(i + 1))
    return names


@dataclass
class _CodeState:
    lei: str | None = None
    kuan: str | None = None


def build_rows(block: Block, spec: TableSpec, layout: Layout, tables: TableSet, class_code) -> tuple[list[Row], list[Cell]]:
    """Rows per panel with their amount cells; returns (rows, cells that were not amounts)."""
    sheet = block.sheet
    out: list[Row] = []
    bad: list[Cell] = []
    states = {p: _CodeState() for p in range(len(layout.panel_names))}
    seen_labels: dict[int, dict[str, int]] = {p: {} for p in states}
    last_plain: dict[int, str] = {}
    data_rows = list(layout.data_rows)
    if spec.single_row and not data_rows:
        # An all-blank 三公 row still stands for zeros: address the row right under the header.
        after = (layout.header_rows[-1] + 1) if layout.header_rows else block.title_row + 1
        if after < block.end:
            data_rows = [after]
    merge_end = {(r0, c0): c1 for (r0, c0), (_r1, c1) in (sheet.merges or []) if c1 > c0}
    meta = sheet.meta
    npanels = len(layout.panel_names)
    panel_cols = {p: [c for c in layout.columns if c.panel == p] for p in range(npanels)}  # once, not per row
    for r in data_rows:
        raw = sheet.rows[r] if r < len(sheet.rows) else []
        absorbed: set[int] = set()
        for p, pname in enumerate(layout.panel_names):
            if p in absorbed:
                continue
            cols = panel_cols[p]
            amount_panel = _absorb(panel_cols, p, npanels, r, merge_end, absorbed)
            if sheet.merges is None and amount_panel == p:
                amount_panel = _absorb_unmerged(panel_cols, p, npanels, raw, absorbed)
            if amount_panel != p:
                cols = [c for c in cols if c.role != "amount"] + [c for c in panel_cols[amount_panel] if c.role == "amount"]
            label, code = "", None
            parts: dict[str, str | None] = {}
            for c in cols:
                v = raw[c.col] if c.col < len(raw) else None
                if c.role == "label":
                    label = " ".join(cell_text(v).split()) or label
                elif c.role == "code":
                    code = _code_text(v) if v is not None else None
                    if code is None and v is not None and not label:
                        label = " ".join(cell_text(v).split())
                elif c.role.startswith("code"):
                    parts[c.role[-1]] = _suffix(v) if c.role != "code类" else _code_text(v)
                    if parts[c.role[-1]] is None and isinstance(v, str) and v.strip() and not label:
                        label = " ".join(v.split())  # "合计" printed across the merged code columns
            if parts:
                code = _join_code(parts, states[p])
            if code is None and label:
                m = _CODE_IN_LABEL.match(norm(label))
                if m and m.group(2):
                    code = m.group(1).replace(" ", "")
                    label = m.group(2)
            cells: dict[str, Cell] = {}
            for c in cols:
                if c.role != "amount":
                    continue
                v = raw[c.col] if c.col < len(raw) else None
                parsed = parse_amount(v)
                if parsed.number and not _holdable(parsed.value):
                    parsed = replace(parsed, value=None, number=False, decimals=0)  # reported as not an amount
                shown, unknown = None, None
                if meta is not None:
                    shown = meta.decimals.get((r, c.col))
                    if (r, c.col) in meta.errors:
                        unknown = meta.errors[(r, c.col)]
                    elif (r, c.col) in meta.formula_without_value and parsed.blank:
                        unknown = "公式无缓存值"
                where = sheet.row_labels[r] if sheet.row_labels else sheet.name  # PDF rows carry their page
                cell = Cell(where, a1(r, c.col), r, c.col, parsed.value, parsed.text or (unknown or ""), parsed.decimals, shown, unknown)
                if not parsed.number and not parsed.blank and unknown is None:
                    bad.append(cell)
                cells[c.key] = cell
            if not label and code is None and all(x.value is None for x in cells.values()) and not spec.single_row:
                continue
            out.append(_make_row(spec, pname, p, r, label, code, cells, tables, class_code, seen_labels, last_plain))
    if spec.class_rows_before:
        out = _mark_class_rows(out, tables.canon(spec.class_rows_before))
    return out, bad


def _absorb(panel_cols: dict[int, list[ColumnRole]], p: int, npanels: int, r: int, merge_end: dict, absorbed: set[int]) -> int:
    """A label merged across the next panels' label columns ("公用经费合计" spanning two column groups)
    takes its amount from the last panel it covers; those panels have no row of their own here."""
    ends = [merge_end.get((r, c.col)) for c in panel_cols[p] if c.role == "label" or c.role.startswith("code")]
    end = max((e for e in ends if e is not None), default=None)
    if end is None:
        return p
    target = p
    for q in range(p + 1, npanels):
        keys = [c.col for c in panel_cols[q] if c.role == "label" or c.role.startswith("code")]
        if keys and all(col <= end for col in keys):
            absorbed.add(q)
            target = q
        else:
            break
    return target


def _absorb_unmerged(panel_cols: dict[int, list[ColumnRole]], p: int, npanels: int, raw: list[object], absorbed: set[int]) -> int:
    """Without merge information (ods): a labelled row with no amount of its own, followed by panels whose
    code and label cells are empty, takes the amount printed under the last of them."""
    def keys(q: int) -> list[int]:
        return [c.col for c in panel_cols[q] if c.role == "label" or c.role.startswith("code")]

    def amounts(q: int) -> list[object]:
        return [raw[c.col] for c in panel_cols[q] if c.role == "amount" and c.col < len(raw)]

    def filled(cols: list[int]) -> bool:
        return any(c < len(raw) and raw[c] not in (None, "") for c in cols)

    if not filled(keys(p)) or any(v not in (None, "") for v in amounts(p)):
        return p
    target = p
    for q in range(p + 1, npanels):
        if filled(keys(q)):
            break
        absorbed.add(q)
        if any(v not in (None, "") for v in amounts(q)):
            target = q
    return target


def _mark_class_rows(rows: list[Row], total_key: str) -> list[Row]:
    """In the 支出 panel of 总表 (JS01/JS04) the rows above 本年支出合计 are the 类 rows, whether or not their
    names are in the catalogue (ordinals and class lists vary by year and region, domain.md §1.2)."""
    ends = {r.panel: r.row for r in rows if r.key == total_key}
    out = []
    for r in rows:
        end = ends.get(r.panel)
        if end is not None and r.row < end and r.kind == "data" and r.level is None:
            r = replace(r, level="类")
        out.append(r)
    return out


def _join_code(parts: dict[str, str | None], state: _CodeState) -> str | None:
    lei, kuan, xiang = parts.get("类"), parts.get("款"), parts.get("项")
    for v in (kuan, xiang):  # a full code typed into the 款 or 项 column
        if v and len(v) in (5, 7):
            return v
    if lei and len(lei) != 3:
        return None
    if lei:
        state.lei, state.kuan = lei, None
    elif kuan or xiang:
        lei = state.lei
    if lei is None:
        return None
    if kuan:
        state.kuan = kuan
        code = lei + kuan
    elif xiang:
        if state.kuan is None:
            return None
        code = lei + state.kuan
    else:
        return lei if parts.get("类") else None
    return code + xiang if xiang else code


def _make_row(spec, pname, p, r, label, code, cells, tables, class_code, seen_labels, last_plain) -> Row:
    n = norm(label)
    kind = "data"
    if is_subset_label(n):
        kind, n = "subset", strip_subset(n)
    key = tables.canon(strip_ordinal(n)) if n else (code or "")
    level = None
    if code:
        if spec.code_system == "经济":
            level = {3: "类", 5: "款"}.get(len(code))
            code = code if level and code.startswith(("3", "5")) else None
        else:
            level = {3: "类", 5: "款", 7: "项"}.get(len(code))
            code = code if level and code.startswith("2") else None
    if code is None and key and spec.code_system is None and pname == "支出" and class_code is not None:
        found = class_code(key)
        if found:
            code, level = found, "类"
    if code is None and key in TOTAL_LABELS:
        kind = "total"
    counts = seen_labels[p]
    if key and kind != "subset":
        if key in counts:
            key = f"{last_plain.get(p, '')}/{key}"
        else:
            counts[key] = 1
            if not code:
                last_plain[p] = key
    return Row(pname, key, label, code, level, kind, r, cells)
