"""One self-contained HTML page (inline CSS, SVG and a little JS; works offline): a summary per file and table,
charts of the recognised figures — expenditure by 类, 基本 vs 项目, the 三公 items — a map of where in each table
the findings sit, and the findings with their cells.

Chart figures are read from the recognised tables' cells as printed; nothing is summed here. Geometry turns
amounts into pixel lengths, the labels show the Decimal text.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from qidong_audit import __version__
from qidong_audit.address import place
from qidong_audit.model import FileResult, Finding, Report, Table
from qidong_audit.numbers import fmt
from qidong_audit.render import Context, by_file, counts, summary_line, visible

COLORS = {"error": "#d93025", "warning": "#e8a200", "info": "#1a73e8", "waived": "#9aa0a6"}
BAR = "#3b7dd8"
PARTS = ("#3b7dd8", "#f28c28", "#34a853", "#a142f4", "#00acc1")  # 基本, 项目, 上缴上级, 经营, 对附属单位补助

_CSS = """
*{box-sizing:border-box}body{margin:0;font:14px/1.5 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
color:#202124;background:#f6f7f9}header{background:#1f3b5c;color:#fff;padding:20px 32px}h1{margin:0 0 4px;font-size:22px}
.meta{opacity:.8;margin:0}main{padding:16px 32px}.cards{display:flex;gap:12px;margin-top:14px;flex-wrap:wrap}
.card{background:#fff;color:#202124;border-radius:8px;padding:8px 16px;min-width:96px}.card b{display:block;font-size:22px}
.card.error b{color:#d93025}.card.warning b{color:#b07800}.card.info b{color:#1a73e8}.card.waived b{color:#777}
section.file{background:#fff;border-radius:10px;padding:16px 20px;margin:16px 0;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{font-size:17px;margin:0 0 4px;word-break:break-all}h3{font-size:15px;margin:18px 0 8px}.sub{color:#5f6368;margin:0 0 8px}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #e3e5e8;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f4;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px;margin-top:12px}
figure.chart{margin:0;border:1px solid #e3e5e8;border-radius:8px;padding:10px}figcaption{font-weight:600;margin-bottom:6px}
.maps{display:flex;flex-wrap:wrap;gap:14px}.maps div{text-align:center;font-size:12px}
.badge{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px;white-space:nowrap}
.badge.error{background:#d93025}.badge.warning{background:#e8a200}.badge.info{background:#1a73e8}.badge.waived{background:#9aa0a6}
tr.waived td{color:#777}.note{color:#777;font-size:12px}.unreadable{color:#d93025;font-weight:600}
.filters{margin:6px 0}.filters button{border:1px solid #c6c9cc;background:#fff;border-radius:14px;padding:2px 12px;margin-right:6px;cursor:pointer}
.filters button.on{background:#1f3b5c;color:#fff;border-color:#1f3b5c}.filters input{padding:3px 8px;border:1px solid #c6c9cc;border-radius:6px}
.empty{color:#5f6368}code{font-size:12px}tr:target td{background:#fff6d6}
"""

_JS = """
(function(){
  document.querySelectorAll('.findings-block').forEach(function(block){
    var state={level:'all',text:''};
    var rows=[].slice.call(block.querySelectorAll('tbody tr'));
    var count=block.querySelector('.shown-count');
    function apply(){
      var n=0;
      rows.forEach(function(r){
        var ok=(state.level==='all'||r.dataset.level===state.level)&&(!state.text||r.textContent.indexOf(state.text)>=0);
        r.style.display=ok?'':'none'; if(ok){n++;}
      });
      if(count){count.textContent=String(n);}
    }
    block.querySelectorAll('.filters button').forEach(function(b){
      b.addEventListener('click',function(){
        block.querySelectorAll('.filters button').forEach(function(x){x.classList.remove('on');});
        b.classList.add('on'); state.level=b.dataset.level; apply();
      });
    });
    var input=block.querySelector('.filters input');
    if(input){input.addEventListener('input',function(){state.text=input.value.trim();apply();});}
    apply();
  });
  document.documentElement.setAttribute('data-ready','1');
})();
"""


def _e(text) -> str:
    return escape(str(text), quote=True)


def render_report(report: Report, ctx: Context | None = None) -> str:
    ctx = ctx or Context()
    zh = ctx.lang == "zh"
    files = {fr.path: fr for fr in report.files}
    groups = by_file(report)
    total = counts(report.findings)
    cards = [("files", len(report.files), "文件" if zh else "files")] + [
        (k, total[k], ctx.word(k)) for k in ("error", "warning", "info", "waived")]
    body = [
        "<header>",
        f"<h1>{_e(ctx.word('title'))}</h1>",
        f"<p class=\"meta\">qidong-audit {_e(__version__)} · {_e(ctx.mode(report))} · {_e(summary_line(report, ctx))}</p>",
        "<div class=\"cards\">" + "".join(f"<div class=\"card {k}\"><b>{n}</b>{_e(label)}</div>" for k, n, label in cards) + "</div>",
        "</header>",
        "<main>",
    ]
    if len(groups) > 1:
        body.append(_overview(groups, files, ctx))
    for n, (path, findings) in enumerate(groups.items(), 1):
        body.append(_file_section(n, path, files.get(path), findings, ctx))
    body.append("</main>")
    return ("<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n"
            "<style>{css}</style>\n</head>\n<body>\n{body}\n<script>{js}</script>\n</body>\n</html>\n").format(
        lang="zh-CN" if zh else "en", title=_e(ctx.word("title")), css=_CSS, body="\n".join(body), js=_JS)


def _overview(groups: dict[str, list[Finding]], files: dict[str, FileResult], ctx: Context) -> str:
    """For several files: one line each (in audit order) with its counts, linked to its section."""
    head = "".join(f"<th>{_e(ctx.word(k))}</th>" for k in ("file", "tables", "error", "warning", "info", "waived"))
    rows = []
    for n, (path, findings) in enumerate(groups.items(), 1):
        fr = files.get(path)
        c = counts(findings)
        who = " · ".join(x for x in (fr.department if fr else None, str(fr.year) if fr and fr.year else None) if x)
        tables = "" if fr is None or fr.error else str(len(fr.tables))
        status = f"<span class=\"unreadable\">{_e(ctx.word('unreadable'))}</span>" if fr is not None and fr.error else tables
        rows.append(f"<tr><td><a href=\"#file-{n}\">{_e(path)}</a><div class=\"note\">{_e(who)}</div></td><td class=\"num\">{status}</td>"
                    + "".join(f"<td class=\"num\">{c[k]}</td>" for k in ("error", "warning", "info", "waived")) + "</tr>")
    return f"<section class=\"file overview\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"


def _file_section(n: int, path: str, fr: FileResult | None, findings: list[Finding], ctx: Context) -> str:
    out = [f"<section class=\"file\" id=\"file-{n}\">", f"<h2>{_e(path)}</h2>"]
    if fr is not None and fr.error:
        out.append(f"<p class=\"unreadable\">{_e(ctx.word('unreadable'))}：{_e(fr.error)}</p></section>")
        return "\n".join(out)
    if fr is not None:
        bits = [x for x in (fr.department, ctx.word("year", year=fr.year) if fr.year else None,
                            ctx.word("recognised", n=len(fr.tables)),
                            ctx.word("unrecognised", names="、".join(fr.unrecognised)) if fr.unrecognised else None) if x]
        out.append(f"<p class=\"sub\">{_e(' · '.join(bits))}</p>")
        out.append(_tables_summary(fr, findings, ctx))
        charts = [c for c in (_classes_chart(fr, ctx), _parts_chart(fr, ctx), _sangong_chart(fr, ctx), _map_chart(fr, findings, ctx)) if c]
        if charts:
            out.append("<div class=\"charts\">" + "".join(charts) + "</div>")
    out.append(_findings_block(n, findings, ctx))
    out.append("</section>")
    return "\n".join(out)


def _tables_summary(fr: FileResult, findings: list[Finding], ctx: Context) -> str:
    keys = ("tables", "title", "sheet", "unit", "range", "error", "warning", "info", "waived")
    names = {"tables": "表" if ctx.lang == "zh" else "Table", "title": "标题" if ctx.lang == "zh" else "Title"}
    head = "".join(f"<th>{_e(names.get(k) or ctx.word(k))}</th>" for k in keys)
    rows = []
    for t in fr.tables:
        c = counts(f for f in findings if f.table_id == t.table_id)
        rows.append(f"<tr><td>{_e(t.table_id)}</td><td>{_e(ctx.table_title(t.table_id, t.title))}</td><td>{_e(t.sheet)}</td>"
                    f"<td>{_e(ctx.unit(t.unit))}</td><td><code>{_e(t.range)}</code></td>"
                    + "".join(f"<td class=\"num\">{c[k] or ''}</td>" for k in ("error", "warning", "info", "waived")) + "</tr>")
    return f"<table class=\"tables\"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _table(fr: FileResult, table_id: str) -> Table | None:
    return next((t for t in fr.tables if t.table_id == table_id), None)


def _amount(cell) -> Decimal | None:
    return None if cell is None or cell.value is None else cell.value


def _figure(kind: str, caption: str, svg: str) -> str:
    return f"<figure class=\"chart\" data-chart=\"{kind}\"><figcaption>{_e(caption)}</figcaption>{svg}</figure>"


def _bars(items: list[tuple[str, Decimal, str]], color: str = BAR) -> str:
    """Horizontal bars: (label, amount, amount as printed)."""
    top = max((a for _, a, _ in items), default=Decimal(0))
    height, label_w, bar_w = 26 * len(items) + 6, 190, 230
    out = [f"<svg class=\"bars\" width=\"{label_w + bar_w + 90}\" height=\"{height}\" role=\"img\">"]
    for i, (label, amount, shown) in enumerate(items):
        y = 6 + 26 * i
        w = Decimal(0) if top <= 0 else max(Decimal(2), amount / top * bar_w)  # pixels, from the exact ratio
        out.append(f"<text x=\"{label_w - 6}\" y=\"{y + 14}\" text-anchor=\"end\" font-size=\"12\">{_e(label[:16])}</text>"
                   f"<rect x=\"{label_w}\" y=\"{y}\" width=\"{w:.1f}\" height=\"18\" fill=\"{color}\" rx=\"2\"><title>{_e(label)}：{_e(shown)}</title></rect>"
                   f"<text x=\"{label_w + w + 6:.1f}\" y=\"{y + 14}\" font-size=\"12\">{_e(shown)}</text>")
    out.append("</svg>")
    return "".join(out)


def _classes_chart(fr: FileResult, ctx: Context) -> str:
    """Expenditure by 功能分类 类: JS03's 本年支出合计 of each 类 row, else JS01's 支出 panel."""
    items: list[tuple[str, Decimal, str]] = []
    t = _table(fr, "JS03")
    if t is not None:
        for row in t.rows:
            if row.level == "类" and row.kind == "data" and (a := _amount(row.cells.get("本年支出合计"))):
                items.append((row.display, a, fmt(a, t.decimals)))
    if not items and (t := _table(fr, "JS01")) is not None:
        for row in t.rows:
            cell = next(iter(row.cells.values()), None)
            if row.panel == "支出" and row.level == "类" and (a := _amount(cell)):
                items.append((row.display, a, fmt(a, t.decimals)))
    if not items:
        return ""
    items.sort(key=lambda x: -x[1])
    caption = (f"支出结构（按功能分类“类”，{t.unit}）" if ctx.lang == "zh"
               else f"Expenditure by functional class ({ctx.unit(t.unit)})")
    return _figure("classes", caption, _bars(items))


def _parts_chart(fr: FileResult, ctx: Context) -> str:
    """基本支出 vs 项目支出 (and the other parts): the 合计 row of JS03, else of JS05, as one stacked bar."""
    for table_id in ("JS03", "JS05"):
        t = _table(fr, table_id)
        total = next((r for r in t.rows if r.kind == "total"), None) if t is not None else None
        if total is None:
            continue
        parts = [(c.key, a) for c in t.columns if c.key not in ("本年支出合计", "合计") and (a := _amount(total.cells.get(c.key)))]
        if parts:
            break
    else:
        return ""
    top = sum((a for _, a in parts), Decimal(0))
    width, x, svg = 440, Decimal(0), [f"<svg class=\"stack\" width=\"460\" height=\"{40 + 22 * len(parts)}\" role=\"img\">"]
    legend = []
    for i, (key, amount) in enumerate(parts):
        w = amount / top * width if top > 0 else Decimal(0)
        color = PARTS[i % len(PARTS)]
        shown = fmt(amount, t.decimals)
        svg.append(f"<rect x=\"{x:.1f}\" y=\"4\" width=\"{w:.1f}\" height=\"26\" fill=\"{color}\"><title>{_e(key)}：{_e(shown)}</title></rect>")
        legend.append(f"<rect x=\"0\" y=\"{40 + 22 * i}\" width=\"12\" height=\"12\" fill=\"{color}\"/>"
                      f"<text x=\"18\" y=\"{50 + 22 * i}\" font-size=\"12\">{_e(key)}　{_e(shown)}</text>")
        x += w
    svg += legend + ["</svg>"]
    caption = (f"基本支出与项目支出（{t.table_id} 合计行，{t.unit}）" if ctx.lang == "zh"
               else f"Basic vs project expenditure ({t.table_id} total row, {ctx.unit(t.unit)})")
    return _figure("basic-project", caption, "".join(svg))


_SANGONG_SKIP = ("合计", "公务用车购置及运行维护费")  # totals, not items


def _sangong_chart(fr: FileResult, ctx: Context) -> str:
    """The 三公 items of JS07: 预算数 beside 决算数 for each item."""
    t = _table(fr, "JS07")
    row = next((r for r in t.rows if r.cells), None) if t is not None else None
    if row is None:
        return ""
    items: dict[str, dict[str, Decimal]] = {}
    for key, cell in row.cells.items():
        kind, _, item = key.partition("/")
        if item and item not in _SANGONG_SKIP and kind in ("预算数", "决算数"):
            items.setdefault(item, {})[kind] = cell.value if cell.value is not None else Decimal(0)
    if not items or not any(v for d in items.values() for v in d.values()):
        return ""
    top = max(v for d in items.values() for v in d.values())
    colors = {"预算数": "#a8c7fa", "决算数": BAR}
    svg = [f"<svg class=\"sangong\" width=\"470\" height=\"{40 + 44 * len(items)}\" role=\"img\">"]
    for i, (item, values) in enumerate(items.items()):
        y = 4 + 44 * i
        svg.append(f"<text x=\"150\" y=\"{y + 24}\" text-anchor=\"end\" font-size=\"12\">{_e(item)}</text>")
        for j, kind in enumerate(k for k in ("预算数", "决算数") if k in values):
            amount = values[kind]
            w = amount / top * 230 if top > 0 else Decimal(0)
            shown = fmt(amount, t.decimals)
            svg.append(f"<rect x=\"156\" y=\"{y + 18 * j}\" width=\"{max(w, 1):.1f}\" height=\"16\" fill=\"{colors[kind]}\"><title>{_e(kind)}：{_e(shown)}</title></rect>"
                       f"<text x=\"{162 + w:.1f}\" y=\"{y + 18 * j + 12}\" font-size=\"11\">{_e(shown)}</text>")
    base = 40 + 44 * len(items) - 24
    for j, kind in enumerate(("预算数", "决算数")):
        svg.append(f"<rect x=\"{156 + 90 * j}\" y=\"{base}\" width=\"12\" height=\"12\" fill=\"{colors[kind]}\"/>"
                   f"<text x=\"{174 + 90 * j}\" y=\"{base + 10}\" font-size=\"12\">{_e(kind if ctx.lang == 'zh' else ('budget' if j == 0 else 'actual'))}</text>")
    svg.append("</svg>")
    caption = f"“三公”经费（{t.unit}）" if ctx.lang == "zh" else f"\"Three public\" expenditure ({ctx.unit(t.unit)})"
    return _figure("sangong", caption, "".join(svg))


def _map_chart(fr: FileResult, findings: list[Finding], ctx: Context) -> str:
    """Where the findings sit: each table with findings drawn as its grid, header rows shaded, a dot per cell."""
    maps = []
    for t in fr.tables:
        mine = [f for f in findings if f.table_id == t.table_id and f.cell and f.sheet == t.sheet and visible(f, ctx)]
        if not mine:
            continue
        (r0, c0), (r1, c1) = (place(p) for p in t.range.split(":"))
        rows, cols = max(1, r1 - r0 + 1), max(1, c1 - c0 + 1)
        cw, ch = max(6, min(14, 180 // cols)), max(3, min(8, 220 // rows))
        w, h = cols * cw, rows * ch
        svg = [f"<svg class=\"map\" width=\"{w + 2}\" height=\"{h + 2}\" role=\"img\"><rect x=\"1\" y=\"1\" width=\"{w}\" height=\"{h}\" fill=\"#f1f3f4\" stroke=\"#c6c9cc\"/>"]
        for hr in t.header_rows:
            if r0 <= hr <= r1:
                svg.append(f"<rect x=\"1\" y=\"{1 + (hr - r0) * ch}\" width=\"{w}\" height=\"{ch}\" fill=\"#dde3ea\"/>")
        for f in sorted(mine, key=lambda f: f.severity.rank):
            r, c = place(f.cell)
            if not (r0 <= r <= r1 and c0 <= c <= c1):
                continue
            state = "waived" if f.waiver is not None else f.severity.value
            svg.append(f"<a href=\"#f-{f.id}\"><rect class=\"dot {state}\" x=\"{1 + (c - c0) * cw}\" y=\"{1 + (r - r0) * ch}\" width=\"{cw}\" height=\"{max(ch, 4)}\" "
                       f"fill=\"{COLORS[state]}\"><title>{_e(f.cell)}：{_e(ctx.message(f))}</title></rect></a>")
        svg.append("</svg>")
        maps.append(f"<div>{''.join(svg)}<br>{_e(t.table_id)} · {len(mine)}</div>")
    if not maps:
        return ""
    caption = "问题在表中的位置（深色为表头行）" if ctx.lang == "zh" else "Where the findings sit (header rows shaded)"
    return _figure("locations", caption, f"<div class=\"maps\">{''.join(maps)}</div>")


def _findings_block(n: int, findings: list[Finding], ctx: Context) -> str:
    items = [f for f in findings if visible(f, ctx)]
    hidden = len(findings) - len(items)
    title = ctx.word("findings")
    out = [f"<div class=\"findings-block\" id=\"findings-{n}\">",
           f"<h3>{_e(title)}（<span class=\"shown-count\">{len(items)}</span>）</h3>" if ctx.lang == "zh"
           else f"<h3>{_e(title)} (<span class=\"shown-count\">{len(items)}</span>)</h3>"]
    if not items:
        out.append(f"<p class=\"empty\">{_e(ctx.word('clean'))}</p>")
    else:
        buttons = [("all", "全部" if ctx.lang == "zh" else "all")] + [(k, ctx.word(k)) for k in ("error", "warning", "info", "waived")]
        on = ' class="on"'
        out.append("<div class=\"filters\">" + "".join(
            f"<button type=\"button\" data-level=\"{k}\"{on if k == 'all' else ''}>{_e(label)}</button>" for k, label in buttons)
            + f"<input type=\"search\" placeholder=\"{'筛选…' if ctx.lang == 'zh' else 'filter…'}\"></div>")
        head = "".join(f"<th>{_e(ctx.word(k))}</th>" for k in ("level", "rule", "cell", "expected", "actual", "difference", "message"))
        out.append(f"<table class=\"findings\"><thead><tr>{head}</tr></thead><tbody>")
        for f in items:
            state = "waived" if f.waiver is not None else f.severity.value
            others = [f"{c.sheet}!{c.cell}" for c in f.cells if c.cell and (c.sheet, c.cell) != (f.sheet, f.cell)]
            cells = ", ".join(others[:8]) + (f" …（+{len(others) - 8}）" if len(others) > 8 else "")
            text = _e(ctx.detail(f))
            if f.suggestion is not None:
                s = f.suggestion
                text += f"<div class=\"note\">{_e(ctx.word('suggestion'))}：{_e(s.sheet)}!{_e(s.cell)} → {_e(s.value)}（{_e(s.kind)}）</div>"
            if f.waiver is not None:
                text += f"<div class=\"note\">{_e(ctx.waiver_note(f))}</div>"
            if cells:
                text += f"<div class=\"note\">{_e(cells)}</div>"
            out.append(f"<tr id=\"f-{f.id}\" class=\"{state}\" data-level=\"{state}\"><td><span class=\"badge {state}\">{_e(ctx.label(f))}</span></td>"
                       f"<td><code>{_e(f.rule)}</code><div class=\"note\">{_e(ctx.title(f.rule))}</div></td><td><code>{_e(ctx.place(f))}</code></td>"
                       f"<td class=\"num\">{fmt(f.expected)}</td><td class=\"num\">{fmt(f.actual)}</td><td class=\"num\">{fmt(f.difference)}</td>"
                       f"<td>{text}</td></tr>")
        out.append("</tbody></table>")
    if hidden:
        out.append(f"<p class=\"note\">{_e(ctx.word('hidden', n=hidden))}</p>")
    out.append("</div>")
    return "\n".join(out)
