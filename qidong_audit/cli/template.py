"""`qidong-audit template OUT.xlsx --year YYYY --set 决算|预算`: a blank standard workbook, ready to fill in."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from qidong_audit.cli.common import EXIT_OK, fail, stderr_console


class TableSetChoice(str, Enum):
    final = "决算"
    budget = "预算"


def template(
    out: Annotated[Path, typer.Argument(help="要写出的工作簿（.xlsx）。", show_default=False)],
    year: Annotated[int, typer.Option("--year", help="年度：决定表标题中的年度和当年的政府收支分类科目（“类”行）。", min=1990, max=2100)],
    table_set: Annotated[TableSetChoice, typer.Option("--set", help="哪一套表：决算（部门决算公开表 9 张）或 预算（部门预算公开表 9 张）。")],
    department: Annotated[Optional[str], typer.Option("--department", help="部门名称，写在每张表的“部门：”一行。")] = None,
    with_formulas: Annotated[bool, typer.Option("--with-formulas", help="合计、小计、总计写成 SUM 公式（带计算结果；在 Excel/WPS 中填写并保存后自动更新）。")] = False,
    force: Annotated[bool, typer.Option("--force", help="覆盖已存在的文件。")] = False,
) -> None:
    """写出空白的标准公开表工作簿：每张表的标题、单位、表头和当年的功能分类“类”行，填好后可直接用 check 审核。"""
    if out.suffix.lower() != ".xlsx":
        raise fail(f"模板只能写成 .xlsx 文件，而不是「{out.name}」")
    if out.is_dir():
        raise fail(f"输出路径 {out} 是一个文件夹")
    if out.exists() and not force:
        raise fail(f"{out} 已存在；要覆盖请加 --force")
    from qidong_audit.catalog import FIRST_YEAR, LAST_YEAR
    from qidong_audit.template import write

    try:
        t = write(out, year, table_set.value, department, with_formulas)
    except OSError as exc:
        raise fail(f"无法写入 {out}：{exc.strerror or exc}") from None
    err = stderr_console()
    err.print(f"已写出 {out}：{year}年部门{table_set.value}公开表 {len(t.sheets)} 张"
              + ("，合计为公式" if with_formulas else ""), markup=False, highlight=False)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        nearest = min(max(year, FIRST_YEAR), LAST_YEAR)
        err.print(f"注意：科目表收录 {FIRST_YEAR}–{LAST_YEAR} 年，“类”行按 {nearest} 年列出", markup=False, highlight=False)
    if with_formulas:
        err.print("在 Excel 或 WPS 中填写并保存，公式的计算结果随之保存；用程序（如 openpyxl）填写的文件请先在 Excel/WPS 中"
                  "打开并保存一次，否则 check 读不到合计的值", markup=False, highlight=False)
    raise typer.Exit(EXIT_OK)
