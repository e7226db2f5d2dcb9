"""The checks `report` makes on a text, each with a stable id, a Chinese title and its severity."""

from __future__ import annotations

from dataclasses import dataclass

from qidong_audit.model import Severity


@dataclass(frozen=True, slots=True)
class TextRule:
    id: str
    title: str
    severity: Severity
    explain: str = ""
    source: str = "qidong-audit report"


TEXT_RULES: dict[str, TextRule] = {r.id: r for r in (
    TextRule("TXT.sum", "总数与其中各项之和不符", Severity.ERROR,
             "「其中/包括/依次为/具体如下」列出的各项之和应等于总数（按四舍五入区间判定）；只列一项时，该项不应大于总数。"),
    TextRule("TXT.share", "占比与金额不符", Severity.ERROR,
             "占比 = 部分 ÷ 基数。称 100% 即与基数相等，称 0% 即为零，按金额本身判定。"),
    TextRule("TXT.change", "增减额、增减率与本年数、上年数不符", Severity.ERROR,
             "本年数 = 上年数 ± 增减额；增减率 = 增减额 ÷ 上年数。"),
    TextRule("TXT.completion", "预算完成率与预算数、决算数不符", Severity.ERROR,
             "完成率 = 决算数 ÷ 预算数；称完成预算 100% 而决算数与预算数不等时为提示。"),
    TextRule("TXT.balance", "收入总计与支出总计不等", Severity.ERROR, "部门决算中收入总计恒等于支出总计。"),
    TextRule("TXT.unit", "金额单位疑似误写", Severity.ERROR,
             "同一项目其他地方以另一单位写出同一数字（如 252.5元 与 252.50万元），或换用另一单位后才与总数、表中数字相符。"),
    TextRule("TXT.table", "文字中的数字与公开表不符", Severity.ERROR,
             "说明中写出的收入总计、基本支出、各类支出、三公经费等，应与公开表中对应单元格相等（按四舍五入区间判定）。"),
    TextRule("TXT.count", "部分大于整体", Severity.WARNING,
             "件数、次数等计数中，办结数不应多于受理数，其中各项不应多于总数。"),
    TextRule("TXT.done", "称「均已办结」但办结率低于100%", Severity.WARNING, "「均已办结」与低于 100% 的办结率互相矛盾。"),
    TextRule("TXT.unchecked", "无法核对的说法", Severity.INFO,
             "占比、增减率或完成率的基数没有写出（文中与表中都找不到），无法核对；只在 --verbose 时列出。"),
)}
