"""The per-department summary of a batch: one row per file — department, year, tables, counts, worst finding."""

from __future__ import annotations

from rich.table import Table as RichTable

from qidong_audit.model import Finding, Report

COLUMNS = ("文件", "部门", "年度", "表数", "错误", "提示", "信息", "最严重的问题")


def rows(report: Report) -> list[dict[str, object]]:
    by_file: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_file.setdefault(f.file, []).append(f)
    out = []
    for fr in report.files:
        found = [f for f in by_file.get(fr.path, []) if f.waiver is None]
        counts = {s: sum(1 for f in found if f.severity.value == s) for s in ("error", "warning", "info")}
        worst = max(found, key=lambda f: (f.severity.rank, -found.index(f)), default=None)
        if fr.error:
            headline = f"无法审核：{fr.error}"
        elif worst is not None and worst.severity.value != "info":
            headline = f"{worst.rule} {worst.sheet or ''}!{worst.cell or ''}".replace(" !", " ").strip()
        else:
            headline = ""
        out.append({
            "文件": fr.path, "部门": fr.department or "", "年度": fr.year or "", "表数": len(fr.tables),
            "错误": counts["error"], "提示": counts["warning"], "信息": counts["info"], "最严重的问题": headline,
        })
    return out


def render_table(report: Report) -> RichTable:
    data = rows(report)
    table = RichTable(title="各文件汇总", title_justify="left", title_style="bold", show_footer=True)
    totals = {k: sum(int(r[k]) for r in data) for k in ("表数", "错误", "提示", "信息")}
    for col in COLUMNS:
        footer = f"合计 {len(data)} 个文件" if col == "文件" else str(totals.get(col, ""))
        table.add_column(col, footer=footer, justify="right" if col in totals else "left")
    for r in data:
        table.add_row(*(str(r[c]) for c in COLUMNS), style="red" if r["错误"] or str(r["最严重的问题"]).startswith("无法审核") else "")
    return table


def to_csv(report: Report) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows(report))
    return "\ufeff" + buf.getvalue()  # BOM: Excel opens UTF-8 Chinese text correctly


def to_xlsx(report: Report, path) -> None:
    import pandas as pd

    pd.DataFrame(rows(report), columns=list(COLUMNS)).to_excel(path, index=False, sheet_name="汇总", engine="openpyxl")
