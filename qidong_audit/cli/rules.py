"""`qidong-audit rules [show RULE_ID]`: list the rule pack, or explain one rule with its formula."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from qidong_audit.cli.common import fail

app = typer.Typer(help="列出规则包，或解释一条规则。", invoke_without_command=True, add_completion=False, rich_markup_mode=None)

RulesOpt = Annotated[Optional[list[Path]], typer.Option("--rules", help="同时载入的规则文件（TOML）。")]


def _pack(rules: list[Path] | None):
    from qidong_audit.audit import AuditOptions, load_rules
    from qidong_audit.rules.pack import RulesError

    try:
        return load_rules(AuditOptions(rules_files=tuple(str(r) for r in rules or ())))
    except RulesError as exc:
        raise fail(str(exc)) from None


@app.callback()
def list_rules(ctx: typer.Context, rules: RulesOpt = None) -> None:
    """列出全部规则：编号、级别、标题。"""
    if ctx.invoked_subcommand is not None:
        return
    from rich.console import Console
    from rich.table import Table

    from qidong_audit.rules.pack import builtin_pack

    console = Console(highlight=False)
    for title, pack in (("部门决算公开表（含 --rules 追加的规则）", _pack(rules)), ("部门预算公开表", builtin_pack("budget"))):
        table = Table(title=f"规则包：{title}", title_justify="left")
        for col in ("编号", "级别", "标题"):
            table.add_column(col)
        for r in pack.rules:
            table.add_row(r.id, r.severity.zh, r.title)
        console.print(table)


@app.command("show")
def show(rule_id: Annotated[str, typer.Argument(help="规则编号，如 JS03.row。")], rules: RulesOpt = None) -> None:
    """解释一条规则：公式、级别、来源。"""
    from rich.console import Console

    from qidong_audit.rules.pack import builtin_pack

    pack = _pack(rules)
    rule = pack.get(rule_id) or builtin_pack("budget").get(rule_id)
    if rule is None:
        raise fail(f"没有编号为「{rule_id}」的规则（用 qidong-audit rules 查看全部）")
    c = Console(highlight=False)
    c.print(f"[bold]{rule.id}[/]  {rule.title}")
    c.print(f"级别：{rule.severity.zh}（{rule.severity.value}）")
    if rule.kind == "tree":
        c.print(f"公式：{rule.table} 中，合计 = Σ类，类 = Σ款，款 = Σ项（每个金额列；由表中出现的科目编码推出）")
    else:
        if rule.iterate:
            c.print("逐行：" + " | ".join(r.text() for r in rule.iterate))
        for inst in rule.instances:
            c.print("公式：" + " ".join(_formula(inst.check).split()))
    c.print("判定：精确相等为通过；差额在四舍五入区间内为“舍入”（信息）；超出为" + rule.severity.zh + "。")
    if rule.explain:
        c.print(f"说明：{rule.explain}")
    c.print(f"来源：{rule.source}", style="dim")


def _formula(check) -> str:
    def side(terms):
        out = []
        for i, (sign, t) in enumerate(terms):
            text = t.text() if hasattr(t, "text") else str(t.value)
            out.append(("- " if sign < 0 else ("+ " if i else "")) + text)
        return " ".join(out)

    return f"{side(check.left)} {check.op} {side(check.right)}"
