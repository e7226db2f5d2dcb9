"""Never fooled (issue 8): property tests with hypothesis.

1. Consistent workbooks of random shape and content audit with zero errors: full workbooks from
   fixtures/builders.py (random seed, layout and variants) and small random 支出决算表 tables whose every
   identity is known here.
2. Changing one amount by a non-rounding amount gives an error whose `cells` include that cell; changing it by a
   rounding amount gives no error at all. "Non-rounding" comes from the interval model (DESIGN §4): a figure with
   d decimals stands for v ± h, h = ½·10⁻ᵈ, blank cells are exact, and an identity over figures F is consistent
   while |Σ left − Σ right| ≤ h·|non-blank F|. The data here is exact, so changing cell c by δ moves each
   identity k that contains c by exactly δ, and
       δ is non-rounding for c  ⇔  |δ| > T(c) = min over identities k ∋ c of h·(non-blank figures of k, after the change).
   For the small tables T(c) is computed exactly (row: 本年支出合计 = Σ parts; column: parent = Σ children);
   for full workbooks, whose identities span tables, the test uses the bound T(c) ≤ h·W (W = amount cells in
   the workbook), i.e. only changes no identity of the workbook could absorb.
3. Random bytes of real fixture files give a valid audit or exit 2, never a traceback or a hang
   (the long campaigns are in tests/fuzz/).

The default-suite sizes are small (a few seconds each); `-m slow` runs the same properties with more examples.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tests.fuzz.corpus import deadline, digest, sheet_xml, xlsx_bytes, zip_bytes

FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
LONG = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


def _audit(runner, path: Path) -> dict:
    before = digest(path)
    with deadline(60):
        result = run_cli(runner, "check", str(path), "-f", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.stderr
    assert digest(path) == before
    return json.loads(result.stdout)


def _errors(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["severity"] == "error"]


def _set_cell(data: bytes, sheet_part: str, ref: str, value: Decimal) -> bytes:
    """The workbook with one cell's value replaced by a number (its style, hence its displayed decimals, kept)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    parts = {n: src.read(n) for n in src.namelist()}
    xml = parts[sheet_part].decode("utf-8")
    cell = re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>.*?</c>)', re.S)
    m = cell.search(xml)
    new = f'<c r="{ref}"{_style(m.group("attrs")) if m else ""}><v>{value}</v></c>'
    if m:
        xml = xml[: m.start()] + new + xml[m.end():]
    else:  # a blank cell the writer left out: add it to its row, in column order
        row = int(re.sub(r"[A-Z]", "", ref))
        xml = _insert_cell(xml, row, ref, new)
    parts[sheet_part] = xml.encode("utf-8")
    return zip_bytes(parts)


def _style(attrs: str) -> str:
    m = re.search(r'\ss="\d+"', attrs)
    return m.group() if m else ""


def _col_number(ref: str) -> int:
    n = 0
    for ch in re.sub(r"\d", "", ref):
        n = n * 26 + ord(ch) - 64
    return n


def _insert_cell(xml: str, row: int, ref: str, new: str) -> str:
    m = re.search(rf'<row r="{row}"[^>]*?(?:/>|>(.*?)</row>)', xml, re.S)
    if m is None:
        later = [r for r in re.finditer(r'<row r="(\d+)"', xml) if int(r.group(1)) > row]
        at = later[0].start() if later else xml.index("</sheetData>")
        return xml[:at] + f'<row r="{row}">{new}</row>' + xml[at:]
    if m.group(1) is None:  # <row r="9"/>
        return xml[: m.start()] + f'<row r="{row}">{new}</row>' + xml[m.end():]
    body_start = m.start(1)
    for c in re.finditer(r'<c r="([A-Z]+\d+)"', m.group(1)):
        if _col_number(c.group(1)) > _col_number(ref):
            at = body_start + c.start()
            return xml[:at] + new + xml[at:]
    at = m.end(1)
    return xml[:at] + new + xml[at:]


# ── Small random 支出决算表 tables: every identity known ─────────────────────────────────────────────────────────

# 功能分类 codes and names (2021), as printed: 类 → 款 → 项. Classes without children are leaves.
_TREE = {
    "201": ("一般公共服务支出", {"20106": ("财政事务", {"2010601": "行政运行", "2010602": "一般行政管理事务", "2010607": "信息化建设"}),
                                  "20103": ("政府办公厅（室）及相关机构事务", {"2010301": "行政运行", "2010302": "一般行政管理事务"})}),
    "208": ("社会保障和就业支出", {"20805": ("行政事业单位养老支出", {"2080501": "行政单位离退休",
                                                                    "2080505": "机关事业单位基本养老保险缴费支出",
                                                                    "2080506": "机关事业单位职业年金缴费支出"})}),
    "210": ("卫生健康支出", {"21011": ("行政事业单位医疗", {"2101101": "行政单位医疗"})}),
    "212": ("城乡社区支出", {"21208": ("国有土地使用权出让收入安排的支出", {"2120899": "其他国有土地使用权出让收入安排的支出"})}),
    "221": ("住房保障支出", {"22102": ("住房改革支出", {"2210201": "住房公积金"})}),
    "205": ("教育支出", {}),
}
_PARTS = ("基本支出", "项目支出", "上缴上级支出", "经营支出", "对附属单位补助支出")


@dataclass
class Table:
    """A generated table: the grid, where each amount is, and the identities the audit must hold."""

    rows: list[list[object]]
    decimals: int
    cells: dict[tuple[int, int], Decimal | None] = field(default_factory=dict)  # 0-based (row, col) → value
    identities: list[list[tuple[int, int]]] = field(default_factory=list)  # each: its figures' (row, col)

    def ref(self, rc: tuple[int, int]) -> str:
        r, c = rc
        letters = ""
        c += 1
        while c:
            c, rem = divmod(c - 1, 26)
            letters = chr(65 + rem) + letters
        return f"{letters}{r + 1}"

    def threshold(self, rc: tuple[int, int], new: Decimal) -> Decimal:
        """T(c): the largest change of cell rc that rounding explains in every identity containing it."""
        h = Decimal(5).scaleb(-(self.decimals + 1))
        values = {**self.cells, rc: new}
        return min(h * sum(1 for f in k if values[f] is not None) for k in self.identities if rc in k)


@st.composite
def tables(draw) -> Table:
    decimals = draw(st.sampled_from((2, 0)))  # 万元 to the cent, or whole 元
    unit = "万元" if decimals == 2 else "元"
    parts = ["基本支出", "项目支出"] + [p for p in _PARTS[2:] if draw(st.booleans())]
    columns = ["本年支出合计", *parts]
    classes = draw(st.lists(st.sampled_from(sorted(_TREE)), min_size=1, max_size=4, unique=True))
    top, left = draw(st.integers(0, 3)), draw(st.integers(0, 2))

    chosen: list[tuple[str, str]] = []  # (code, name) in print order
    children: dict[str, list[str]] = {"合计": []}
    for lei in sorted(classes):
        name, kuans = _TREE[lei]
        chosen.append((lei, name))
        children["合计"].append(lei)
        children[lei] = []
        for kuan in sorted(k for k in kuans if draw(st.booleans())):
            kname, xiangs = kuans[kuan]
            chosen.append((kuan, kname))
            children[lei].append(kuan)
            children[kuan] = []
            for xiang in sorted(x for x in xiangs if draw(st.booleans())):
                chosen.append((xiang, xiangs[xiang]))
                children[kuan].append(xiang)
                children[xiang] = []

    step = Decimal(1).scaleb(-decimals)
    amounts: dict[str, dict[str, Decimal | None]] = {}

    def fill(code: str) -> None:
        if children[code]:
            for child in children[code]:
                fill(child)
            amounts[code] = {p: _sum(amounts[c][p] for c in children[code]) for p in parts}
        else:
            amounts[code] = {p: (None if draw(st.integers(0, 3)) == 0 else draw(st.integers(0, 10**7)) * step) for p in parts}
        amounts[code]["本年支出合计"] = _sum(amounts[code][p] for p in parts)

    fill("合计")
    header = [["支出决算表"], [f"单位：{unit}"], ["科目编码", "科目名称", *columns]]
    body = [["合计", None] + [amounts["合计"][c] for c in columns]]
    body += [[code, name] + [amounts[code][c] for c in columns] for code, name in chosen]
    grid = [[] for _ in range(top)] + [[None] * left + r for r in header + body]
    table = Table(grid, decimals)
    first = top + len(header)
    row_of = {"合计": first, **{code: first + 1 + i for i, (code, _) in enumerate(chosen)}}
    col_of = {c: left + 2 + i for i, c in enumerate(columns)}
    for code, r in row_of.items():
        for c in columns:
            table.cells[(r, col_of[c])] = amounts[code][c]
        table.identities.append([(r, col_of[c]) for c in columns])  # 本年支出合计 = Σ parts
        if children[code]:
            for c in columns:  # parent = Σ children, in every column
                table.identities.append([(r, col_of[c])] + [(row_of[k], col_of[c]) for k in children[code]])
    return table


def _sum(values) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _write(path: Path, table: Table) -> Path:
    style = 1 if table.decimals == 2 else None  # #,##0.00 for 万元; 元 tables here carry no number format
    path.write_bytes(xlsx_bytes({"支出决算表": sheet_xml(table.rows, amount_style=style)}))
    return path


def _table_property(runner, tmp_path, table: Table, data) -> None:
    clean = _write(tmp_path / "clean.xlsx", table)
    doc = _audit(runner, clean)
    assert [t["table_id"] for t in doc["files"][0]["tables"]] == ["JS03"]
    assert _errors(doc) == []

    rc = data.draw(st.sampled_from(sorted(table.cells)), label="cell")
    old = table.cells[rc] or Decimal(0)
    step = Decimal(1).scaleb(-table.decimals)  # changes keep the table's decimals (no hidden precision)
    t = table.threshold(rc, old)  # the changed cell is written as a number, so it counts as non-blank
    within = int(t / step)  # the most whole steps rounding explains
    units = data.draw(st.integers(1, 10**6), label="steps")
    beyond = within == 0 or data.draw(st.booleans(), label="non-rounding")
    delta = data.draw(st.sampled_from((1, -1)), label="sign") * step * (within + units if beyond else min(units, within))
    new = old + delta
    changed = tmp_path / "changed.xlsx"
    changed.write_bytes(_set_cell(clean.read_bytes(), "xl/worksheets/sheet1.xml", table.ref(rc), new))
    errors = _errors(_audit(runner, changed))
    where = table.ref(rc)
    if beyond:
        assert any(where in {c["cell"] for c in f["cells"]} for f in errors), (where, delta, t, errors)
    else:
        assert errors == [], (where, delta, t, errors)


@FAST
@given(table=tables(), data=st.data())
def test_one_changed_amount_is_caught_exactly_when_rounding_cannot_explain_it(runner, tmp_path, table, data):
    _table_property(runner, tmp_path, table, data)


# ── Full workbooks from fixtures/builders.py ──────────────────────────────────────────────────────────────────

@st.composite
def workbooks(draw) -> dict:
    from fixtures.builders import CODE_STYLES, SHEET_NAMINGS, TABLE_IDS

    return {
        "seed": draw(st.integers(0, 10**6)),
        "layout": draw(st.sampled_from(("central", "shanghai"))),
        "dataset": {"government_fund": draw(st.booleans()), "state_capital": draw(st.booleans()),
                    "non_fiscal": draw(st.booleans())},
        "variants": {
            "code_style": draw(st.sampled_from(CODE_STYLES)),
            "amounts_as_text": draw(st.booleans()),
            "sheet_names": draw(st.sampled_from(SHEET_NAMINGS)),
            "total_first": draw(st.sampled_from((None, True, False))),
            "omit": frozenset(draw(st.lists(st.sampled_from(TABLE_IDS), max_size=3))),
            "stacked": draw(st.booleans()),
            "title_year": draw(st.booleans()),
            "econ_template": draw(st.booleans()),
            "seed": draw(st.integers(0, 100)),
        },
    }


def _build(path: Path, spec: dict):
    from fixtures.builders import clean_dataset, write_central, write_shanghai

    writer = write_central if spec["layout"] == "central" else write_shanghai
    return writer(clean_dataset(spec["seed"], **spec["dataset"]), path, **spec["variants"])


def _sheet_part(data: bytes, sheet: str) -> str:
    """The zip part holding a sheet, from workbook.xml and its relationships."""
    src = zipfile.ZipFile(io.BytesIO(data))
    wb = src.read("xl/workbook.xml").decode("utf-8")
    rels = src.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    from xml.sax.saxutils import escape

    rid = re.search(rf'<sheet [^>]*name="{re.escape(escape(sheet, {chr(34): "&quot;"}))}"[^>]*r:id="(\w+)"', wb).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    path = target.group(1)
    return path.lstrip("/") if path.startswith("/") else f"xl/{path}"


def _workbook_property(runner, tmp_path, spec, data):
    clean = tmp_path / "clean.xlsx"
    written = _build(clean, spec)
    doc = _audit(runner, clean)
    assert _errors(doc) == [], [(f["rule"], f["cell"], f["message"]) for f in _errors(doc)]

    key = data.draw(st.sampled_from(sorted(written.cells)), label="cell")
    sheet, ref = written.cells[key]
    bound = Decimal(len(written.cells)) * Decimal("0.005")  # h·W: more than any identity's rounding tolerance
    delta = data.draw(st.sampled_from((1, -1)), label="sign") * (bound + data.draw(st.integers(1, 10**8), label="cents") * Decimal("0.01"))
    raw = clean.read_bytes()
    old = _value(raw, _sheet_part(raw, sheet), ref)
    changed = tmp_path / "changed.xlsx"
    changed.write_bytes(_set_cell(raw, _sheet_part(raw, sheet), ref, (old + delta).quantize(Decimal("0.01"))))
    errors = _errors(_audit(runner, changed))
    assert any((sheet, ref) in {(c["sheet"], c["cell"]) for c in f["cells"]} for f in errors), (key, sheet, ref, delta)


def _value(data: bytes, part: str, ref: str) -> Decimal:
    """The amount in a cell as written (number or text amount; 0 for a blank)."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read(part).decode("utf-8")
    m = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>(.*?)</c>)', xml, re.S)
    if not m or not m.group(1):
        return Decimal(0)
    text = re.search(r"<(?:v|t)[^>]*>([^<]*)</(?:v|t)>", m.group(1))
    if text is None or not text.group(1).strip():
        return Decimal(0)
    if 't="s"' in m.group(0):
        strings = re.findall(r"<si>.*?</si>", zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml").decode("utf-8"), re.S)
        return Decimal(re.sub(r"<[^>]+>", "", strings[int(text.group(1))]).replace(",", "") or 0)
    return Decimal(text.group(1).replace(",", ""))


@FAST
@given(spec=workbooks(), data=st.data())
def test_consistent_workbooks_are_clean_and_a_changed_amount_is_caught(runner, tmp_path, spec, data):
    _workbook_property(runner, tmp_path, spec, data)


@pytest.mark.slow
@LONG
@given(spec=workbooks(), data=st.data())
def test_consistent_workbooks_long(runner, tmp_path, spec, data):
    _workbook_property(runner, tmp_path, spec, data)


@pytest.mark.slow
@LONG
@given(table=tables(), data=st.data())
def test_small_tables_long(runner, tmp_path, table, data):
    _table_property(runner, tmp_path, table, data)


# ── Random bytes of real files ────────────────────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def seed_files(tmp_path_factory) -> list[Path]:
    from tests.fuzz.mutate import seeds

    return seeds(tmp_path_factory.mktemp("seeds"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bytes_of_real_files_never_crash(runner, tmp_path, seed_files, data):
    source = data.draw(st.sampled_from(seed_files), label="seed file")
    raw = bytearray(source.read_bytes())
    for _ in range(data.draw(st.integers(1, 8), label="changes")):
        at = data.draw(st.integers(0, len(raw) - 1), label="offset")
        raw[at] = data.draw(st.integers(0, 255), label="byte")
    if data.draw(st.booleans(), label="truncate"):
        raw = raw[: data.draw(st.integers(0, len(raw)), label="length")]
    path = tmp_path / f"mutated{source.suffix}"
    path.write_bytes(bytes(raw))
    before = digest(path)
    with deadline(60):
        result = run_cli(runner, "check", str(path), "-f", "json")
    assert digest(path) == before
    assert result.exit_code in (0, 1, 2) and "Traceback" not in result.stderr
    doc = json.loads(result.stdout)
    if result.exit_code == 2:
        assert path.name in result.stderr and doc["files"][0]["error"]
