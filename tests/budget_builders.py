"""Build 部门预算公开表 workbooks for tests: a fully consistent budget (drawn in cents of 万元, every total a sum),
written in the central layout (all tables in 万元) or the Shanghai 9-table layout (元, the 三公 table in 万元).

Like fixtures/builders.py it never imports qidong_audit: fixtures that shared the reader's assumptions could not
catch its mistakes. Cells are addressed by (table id, row key, column key): row keys are codes, "合计", or
"收入:<line>" / "支出:<code or line>" in the 总表 panels, "" in the one-row 三公 table; column keys are the
canonical column names ("合计", "基本支出", "预算数/公务接待费"); the one amount column of a panel is "预算数".
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from fixtures.builders import CLASS_NAMES, ECON_NAMES, FUNCTION_NAMES, set_cell

GP, GF, SC, NF = "一般公共预算", "政府性基金", "国有资本经营", "非财政拨款"
FISCAL = (GP, GF, SC)
FUND_KEYS = {GP: "一般公共预算财政拨款", GF: "政府性基金预算财政拨款", SC: "国有资本经营预算财政拨款"}
INCOME_LINES = ("一般公共预算拨款收入", "政府性基金预算拨款收入", "国有资本经营预算拨款收入", "财政专户管理资金收入",
                "事业收入", "事业单位经营收入", "上级补助收入", "附属单位上缴收入", "其他收入")
INCOME_KEYS = (*FUND_KEYS.values(), "财政专户管理资金", "事业收入", "经营收入", "上级补助收入", "附属单位上缴收入", "其他收入")
SANGONG = ("合计", "因公出国(境)费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费", "公务接待费")
YS02_COLUMNS = ("合计", "上年结转", *FUND_KEYS.values(), "事业收入")
YS03_COLUMNS = ("合计", "基本支出", "项目支出")
YS05_COLUMNS = ("合计", "基本支出", "人员经费", "公用经费", "项目支出")

CENTRAL_TITLES = {
    "YS01": "部门收支总表", "YS02": "部门收入总表", "YS03": "部门支出总表", "YS04": "财政拨款收支总表",
    "YS05": "一般公共预算支出表", "YS06": "一般公共预算基本支出表", "YS07": "一般公共预算“三公”经费支出表",
    "YS08": "政府性基金预算支出表", "YS09": "国有资本经营预算支出表",
}
SHANGHAI_TITLES = {
    "YS01": "财务收支预算总表", "YS02": "收入预算总表", "YS03": "支出预算总表", "YS04": "财政拨款收支预算总表",
    "YS05": "一般公共预算支出功能分类预算表", "YS06": "一般公共预算基本支出部门预算经济分类预算表",
    "YS07": "“三公”经费和机关运行经费预算表", "YS08": "政府性基金预算支出功能分类预算表",
    "YS09": "国有资本经营预算支出功能分类预算表",
}
TABLE_IDS = tuple(CENTRAL_TITLES)


@dataclass
class Budget:
    """One year's budget of a department, in cents of 万元. `values` maps (table, row key, column key) to cents;
    absent keys print blank."""
    year: int
    department: str
    values: dict[tuple[str, str, str], int]
    codes: dict[str, list[str]]  # table id → the 功能/经济 codes it lists, in print order
    classes: dict[str, list[str]]  # YS01 / YS04 → the 类 codes of their 支出 panel

    def cents(self, table: str, row: str, column: str) -> int:
        return self.values.get((table, row, column), 0)

    def amount(self, table: str, row: str, column: str) -> Decimal | None:
        """The figure in 万元 (None when blank)."""
        c = self.cents(table, row, column)
        return Decimal(c).scaleb(-2) if c else None


def budget(seed: int = 0, *, year: int = 2023, department: str = "示范县政务服务中心", government_fund: bool = True,
           state_capital: bool = False) -> Budget:
    """A consistent budget: every equation of packs/budget/rules.toml holds exactly."""
    rng = random.Random(seed)
    econ = {"30101": rng.randint(80_00, 300_00), "30102": rng.randint(50_00, 200_00), "30108": rng.randint(20_00, 60_00),
            "30110": rng.randint(10_00, 40_00), "30113": rng.randint(15_00, 50_00), "30302": rng.randint(5_00, 40_00),
            "30201": rng.randint(2_00, 20_00), "30211": rng.randint(1_00, 15_00), "30217": rng.randint(50, 3_00),
            "30231": rng.randint(1_00, 8_00), "31002": rng.randint(1_00, 10_00)}
    personnel = sum(v for c, v in econ.items() if c[:3] in ("301", "303"))
    public = sum(v for c, v in econ.items() if c[:3] not in ("301", "303"))
    # (项, fund) → (人员经费, 公用经费, 项目支出); 基本支出 = 人员 + 公用
    spend = {("2080505", GP): (econ["30108"], 0, 0), ("2101101", GP): (econ["30110"], 0, 0),
             ("2210201", GP): (econ["30113"], 0, 0), ("2080501", GP): (econ["30302"], 0, 0)}
    spend["2010601", GP] = (personnel - sum(p for p, _, _ in spend.values()), public, 0)
    spend["2010602", GP] = (0, 0, rng.randint(20_00, 200_00))
    spend["2010601", NF] = (rng.randint(5_00, 30_00), 0, 0)
    if government_fund:
        spend["2120899", GF] = (0, 0, rng.randint(20_00, 300_00))
    if state_capital:
        spend["2230199", SC] = (0, 0, rng.randint(10_00, 100_00))
    carry = {key: (rng.randint(0, sum(v) // 10) if rng.randrange(2) else 0) for key, v in spend.items()}
    values: dict[tuple[str, str, str], int] = {}

    def put(table: str, row: str, column: str, cents: int) -> None:
        if cents:
            values[(table, row, column)] = values.get((table, row, column), 0) + cents

    codes = sorted({c for c, _ in spend})
    listed: dict[str, list[str]] = {}
    for table, funds in (("YS02", (*FISCAL, NF)), ("YS03", (*FISCAL, NF)), ("YS05", (GP,)), ("YS08", (GF,)), ("YS09", (SC,))):
        mine = [c for c in codes if any((c, f) in spend for f in funds)]
        listed[table] = _tree(mine)
        for (code, fund), (pers, pub, proj) in spend.items():
            if fund not in funds:
                continue
            total, carried = pers + pub + proj, carry[(code, fund)]
            for row in ("合计", code[:3], code[:5], code):
                if table == "YS02":
                    put(table, row, "合计", total)
                    put(table, row, "上年结转", carried)
                    put(table, row, FUND_KEYS.get(fund, "事业收入"), total - carried)
                elif table == "YS05":
                    for column, cents in zip(YS05_COLUMNS, (total, pers + pub, pers, pub, proj)):
                        put(table, row, column, cents)
                else:
                    for column, cents in zip(YS03_COLUMNS, (total, pers + pub, proj)):
                        put(table, row, column, cents)
    income = {f: sum(sum(v) - carry[k] for k, v in spend.items() if k[1] == f) for f in (*FISCAL, NF)}
    carried = {f: sum(c for k, c in carry.items() if k[1] == f) for f in (*FISCAL, NF)}
    spent = {f: sum(sum(v) for k, v in spend.items() if k[1] == f) for f in (*FISCAL, NF)}
    # YS01
    for fund in FISCAL:
        put("YS01", f"收入:{FUND_KEYS[fund]}", "预算数", income[fund])
    put("YS01", "收入:事业收入", "预算数", income[NF])
    put("YS01", "收入:本年收入合计", "预算数", sum(income.values()))
    put("YS01", "收入:上年结转", "预算数", sum(carried.values()))
    put("YS01", "收入:总计", "预算数", sum(income.values()) + sum(carried.values()))
    classes = sorted({c[:3] for c in codes})
    for cls in classes:
        put("YS01", f"支出:{cls}", "预算数", sum(sum(v) for k, v in spend.items() if k[0].startswith(cls)))
    put("YS01", "支出:本年支出合计", "预算数", sum(spent.values()))
    put("YS01", "支出:总计", "预算数", sum(spent.values()))
    # YS04
    for fund in FISCAL:
        put("YS04", f"收入:{FUND_KEYS[fund]}", "预算数", income[fund])
        put("YS04", f"收入:上年结转/{FUND_KEYS[fund]}", "预算数", carried[fund])
    put("YS04", "收入:本年收入合计", "预算数", sum(income[f] for f in FISCAL))
    put("YS04", "收入:上年结转", "预算数", sum(carried[f] for f in FISCAL))
    put("YS04", "收入:总计", "预算数", sum(spent[f] for f in FISCAL))
    fiscal_classes = sorted({k[0][:3] for k in spend if k[1] in FISCAL})
    for (code, fund), v in spend.items():
        if fund in FISCAL:
            for row in (f"支出:{code[:3]}", "支出:本年支出合计", "支出:总计"):
                put("YS04", row, "合计", sum(v))
                put("YS04", row, FUND_KEYS[fund], sum(v))
    # YS06
    listed["YS06"] = sorted(set(econ) | {c[:3] for c in econ})
    for code, cents in econ.items():
        column = "人员经费" if code[:3] in ("301", "303") else "公用经费"
        for row in ("合计", code[:3], code):
            put("YS06", row, "合计", cents)
            put("YS06", row, column, cents)
    # YS07: 本年 and 上年 预算数
    for kind in ("预算数", "上年预算数"):
        leaves = {"因公出国(境)费": rng.randint(0, 5_00) * rng.randrange(2), "公务用车购置费": rng.randint(0, 20_00) * rng.randrange(2),
                  "公务用车运行维护费": rng.randint(1_00, 8_00), "公务接待费": rng.randint(50, 3_00)}
        leaves["公务用车购置及运行维护费"] = leaves["公务用车购置费"] + leaves["公务用车运行维护费"]
        leaves["合计"] = leaves["因公出国(境)费"] + leaves["公务用车购置及运行维护费"] + leaves["公务接待费"]
        for item, cents in leaves.items():
            put("YS07", "", f"{kind}/{item}", cents)
    put("YS07", "", "机关运行经费", public)
    return Budget(year, department, values, listed, {"YS01": classes, "YS04": fiscal_classes})


def _tree(codes: list[str]) -> list[str]:
    """Each 项 with its 类 and 款 above it, in print order."""
    out: list[str] = []
    for code in codes:
        for prefix in (code[:3], code[:5], code):
            if prefix not in out:
                out.append(prefix)
    return out


# ---------------------------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    """A text cell merged over `width` columns."""
    text: str
    width: int = 1


@dataclass(frozen=True)
class Amt:
    row: str
    column: str


@dataclass
class Written:
    path: Path
    cells: dict[tuple[str, str, str], tuple[str, str]] = field(default_factory=dict)  # key → (sheet, "C7")
    units: dict[str, str] = field(default_factory=dict)  # table id → 元 | 万元

    def cell_of(self, table: str, row: str, column: str) -> tuple[str, str]:
        return self.cells[(table, row, column)]

    def plant(self, table: str, row: str, column: str, value) -> tuple[str, str]:
        """Overwrite one amount cell (in the table's own unit) in the written file; returns its address."""
        sheet, a1 = self.cells[(table, row, column)]
        set_cell(self.path, sheet, a1, value)
        return sheet, a1


def write_central(b: Budget, path, omit: tuple[str, ...] = (), yuan: tuple[str, ...] = ()) -> Written:
    """The central layout: tables in 万元 (those in `yuan` in whole 元), single 7-digit code column,
    上年/本年预算数 in the 三公 table."""
    return _write(b, Path(path), False, omit, yuan)


def write_shanghai(b: Budget, path, omit: tuple[str, ...] = (),
                   yuan: tuple[str, ...] = tuple(t for t in TABLE_IDS if t != "YS07")) -> Written:
    """The Shanghai 9-table layout: 元 (whole yuan) except the 三公 table in 万元; split 类|款|项 codes;
    三公 with 机关运行经费 and no 上年 columns."""
    return _write(b, Path(path), True, omit, yuan)


def _write(b: Budget, path: Path, shanghai: bool, omit: tuple[str, ...], yuan: tuple[str, ...]) -> Written:
    written = Written(path)
    wb = Workbook()
    wb.remove(wb.active)
    titles = SHANGHAI_TITLES if shanghai else CENTRAL_TITLES
    for n, table in enumerate(TABLE_IDS, 1):
        if table in omit:
            continue
        unit = "元" if table in yuan else "万元"
        written.units[table] = unit
        header, rows = _LAYOUTS[table](b, shanghai)
        ws = wb.create_sheet(titles[table])
        _draw(ws, b, table, f"{b.year}年{titles[table]}", None if shanghai else f"表{n}",
              ("编制单位：" if shanghai else "部门：") + b.department, f"单位：{unit}", header, rows, unit, written)
    wb.save(path)
    return written


def _code_cells(code: str, split: bool) -> list:
    return [code[:3], code[3:5] or None, code[5:7] or None] if split else [code]


def _coded(table: str, columns: tuple[str, ...], headers: tuple[str, ...]):
    def layout(b: Budget, shanghai: bool):
        width = 3 if shanghai else 1
        code_header = [f"科目编码/{p}" for p in ("类", "款", "项")] if shanghai else ["功能分类科目编码"]
        header = [*code_header, "科目名称", *headers]
        rows = [[Span("合计", width + 1), *[None] * width, *(Amt("合计", c) for c in columns)]]
        for code in b.codes.get(table, []):
            rows.append([*_code_cells(code, shanghai), FUNCTION_NAMES[code], *(Amt(code, c) for c in columns)])
        if len(rows) == 1:
            rows.append([Span(f"注：本部门{b.year}年没有{CENTRAL_TITLES[table][:-3]}，故本表无数据", width + 1 + len(columns))])
        return header, rows
    return layout


def _ys06(b: Budget, shanghai: bool):
    width = 2 if shanghai else 1
    code_header = ["经济分类科目编码/类", "经济分类科目编码/款"] if shanghai else ["经济分类科目编码"]
    header = [*code_header, "科目名称", "本年一般公共预算基本支出/合计", "本年一般公共预算基本支出/人员经费",
              "本年一般公共预算基本支出/公用经费"]
    rows = [[Span("合计", width + 1), *[None] * width, *(Amt("合计", c) for c in ("合计", "人员经费", "公用经费"))]]
    for code in b.codes["YS06"]:
        cells = [code[:3], code[3:] or None] if shanghai else [code]
        rows.append([*cells, ECON_NAMES[code], *(Amt(code, c) for c in ("合计", "人员经费", "公用经费"))])
    return header, rows


def _panels(left: list, right: list) -> list[list]:
    """收入 and 支出 panels side by side; each side is (top lines, bottom lines), bottoms aligned."""
    (lt, lb), (rt, rb) = left, right
    height = max(len(lt), len(rt))
    lines = []
    for l, r in zip(lt + [None] * (height - len(lt)) + lb, rt + [None] * (height - len(rt)) + rb):
        lines.append((l or [None, None]) + (r or [None] * (len(rb[0]))))
    return lines


def _ys01(b: Budget, shanghai: bool):
    ordinals = "一二三四五六七八九"
    left = ([[f"{ordinals[i]}、{label}", Amt(f"收入:{key}", "预算数")] for i, (label, key) in enumerate(zip(INCOME_LINES, INCOME_KEYS))],
            [[label, Amt(f"收入:{key}", "预算数")] for label, key in
             (("本年收入合计", "本年收入合计"), ("使用非财政拨款结余", "使用非财政拨款结余"), ("上年结转", "上年结转"), ("收入总计", "总计"))])
    right = ([[f"{ordinals[i]}、{CLASS_NAMES[c]}", Amt(f"支出:{c}", "预算数")]
              for i, c in enumerate(b.classes["YS01"])],
             [["本年支出合计", Amt("支出:本年支出合计", "预算数")], ["结转下年", Amt("支出:结转下年", "预算数")], None,
              ["支出总计", Amt("支出:总计", "预算数")]])
    return ["收入/项目", "收入/预算数", "支出/项目", "支出/预算数"], _panels(left, right)


def _ys04(b: Budget, shanghai: bool):
    columns = ("合计", *FUND_KEYS.values())
    heads = ("合计", "一般公共预算", "政府性基金预算", "国有资本经营预算")
    funds = [("一般公共预算拨款收入", FUND_KEYS[GP]), ("政府性基金预算拨款收入", FUND_KEYS[GF]), ("国有资本经营预算拨款收入", FUND_KEYS[SC])]
    left = ([[f"{'一二三'[i]}、{label}", Amt(f"收入:{key}", "预算数")] for i, (label, key) in enumerate(funds)],
            [["本年收入合计", Amt("收入:本年收入合计", "预算数")], ["上年结转", Amt("收入:上年结转", "预算数")],
             *([f"  {label}", Amt(f"收入:上年结转/{key}", "预算数")] for label, key in funds),
             ["收入总计", Amt("收入:总计", "预算数")]])

    def line(label: str, row: str) -> list:
        return [label, *(Amt(row, c) for c in columns)]

    right = ([line(f"{'一二三四五六七八九'[i]}、{CLASS_NAMES[c]}", f"支出:{c}") for i, c in enumerate(b.classes["YS04"])],
             [line("本年支出合计", "支出:本年支出合计"), line("结转下年", "支出:结转下年"), None, None, None,
              line("支出总计", "支出:总计")])
    prefix = "支出/预算数/" if shanghai else "支出/"
    header = ["收入/项目", "收入/预算数", "支出/项目", *(prefix + h for h in heads)]
    return header, _panels(left, right)


def _ys07(b: Budget, shanghai: bool):
    paths = {"合计": "合计", "因公出国(境)费": "因公出国（境）费", "公务用车购置及运行维护费": "公务用车购置及运行费/小计",
             "公务用车购置费": "公务用车购置及运行费/公务用车购置费", "公务用车运行维护费": "公务用车购置及运行费/公务用车运行费",
             "公务接待费": "公务接待费"}
    if shanghai:
        header = [f"“三公”经费预算数/{paths[i]}" for i in SANGONG] + ["机关运行经费预算数"]
        row = [Amt("", f"预算数/{i}") for i in SANGONG] + [Amt("", "机关运行经费")]
    else:
        header = [f"{kind}/{paths[i]}" for kind in ("上年预算数", "本年预算数") for i in SANGONG]
        row = [Amt("", f"{kind}/{i}") for kind in ("上年预算数", "预算数") for i in SANGONG]
    return header, [row]


_LAYOUTS = {
    "YS01": _ys01, "YS04": _ys04, "YS06": _ys06, "YS07": _ys07,
    "YS02": _coded("YS02", YS02_COLUMNS, ("合计", "上年结转", "一般公共预算拨款收入", "政府性基金预算拨款收入",
                                          "国有资本经营预算拨款收入", "事业收入")),
    "YS03": _coded("YS03", YS03_COLUMNS, YS03_COLUMNS),
    "YS05": _coded("YS05", YS05_COLUMNS, ("合计", "基本支出/小计", "基本支出/人员经费", "基本支出/公用经费", "项目支出")),
    "YS08": _coded("YS08", YS03_COLUMNS, YS03_COLUMNS),
    "YS09": _coded("YS09", YS03_COLUMNS, YS03_COLUMNS),
}


def _draw(ws, b: Budget, table: str, title: str, label: str | None, caption: str, unit: str, header: list[str],
          rows: list[list], unit_name: str, written: Written) -> None:
    width = len(header)
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    r = 2
    if label:
        ws.cell(r, width, label)
        r += 1
    ws.cell(r, 1, caption)
    ws.cell(r, width, unit)
    r += 1
    r += _header(ws, r, header)
    for entries in rows:
        for c, entry in enumerate(entries, 1):
            if entry is None:
                continue
            if isinstance(entry, Span):
                ws.cell(r, c, entry.text)
                if entry.width > 1:
                    ws.merge_cells(start_row=r, start_column=c, end_row=r, end_column=c + entry.width - 1)
            elif isinstance(entry, Amt):
                key = (table, entry.row, entry.column)
                written.cells[key] = (ws.title, f"{get_column_letter(c)}{r}")
                cents = b.cents(*key)
                cell = ws.cell(r, c)
                if cents:
                    cell.value = Decimal(cents * 100) if unit_name == "元" else Decimal(cents).scaleb(-2)
                cell.number_format = "#,##0" if unit_name == "元" else "#,##0.00"
            else:
                cell = ws.cell(r, c, entry)
                if isinstance(entry, str) and entry.isdigit():
                    cell.number_format = "@"
        r += 1


def _header(ws, top: int, paths: list[str]) -> int:
    """Multi-row header from slash paths; neighbours sharing a prefix share a merged cell, and a path shorter
    than the header's depth spans down. Returns the number of header rows."""
    parts = [p.split("/") for p in paths]
    depth = max(map(len, parts))
    grid = [p + [p[-1]] * (depth - len(p)) for p in parts]
    for level in range(depth):
        col = 0
        while col < len(grid):
            if level and grid[col][level] == grid[col][level - 1]:
                col += 1
                continue
            end = col
            while end + 1 < len(grid) and grid[end + 1][:level + 1] == grid[col][:level + 1]:
                end += 1
            height = 1
            while level + height < depth and all(grid[c][level + height] == grid[c][level] for c in range(col, end + 1)):
                height += 1
            ws.cell(top + level, col + 1, grid[col][level]).alignment = Alignment(horizontal="center")
            if end > col or height > 1:
                ws.merge_cells(start_row=top + level, start_column=col + 1, end_row=top + level + height - 1,
                               end_column=end + 1)
            col = end + 1
    return depth
