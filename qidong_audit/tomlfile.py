"""Reading the TOML files users hand us (rules, waivers): text, parse, and the line a key stands on, so that
every problem is reported as file:line with one message and never a traceback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

# error(file, line, message) -> the caller's exception (RulesError, WaiversError)
MakeError = Callable[[str, "int | None", str], Exception]
_HEADER = re.compile(r"^\s*\[\[?\s*[\w.\-\"]+\s*\]\]?\s*(#.*)?$")  # [table] or [[array]] — a new block


def read_text(path: str | Path, error: MakeError) -> str:
    name = str(path)
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise error(name, None, "文件不存在") from None
    except UnicodeDecodeError as exc:
        raise error(name, None, f"不是 UTF-8 文本（第 {exc.start} 字节）") from None
    except OSError as exc:
        raise error(name, None, f"无法读取：{exc.strerror or exc}") from None


def parse(text: str, name: str, error: MakeError) -> dict:
    import tomllib  # a run whose packs come from the data cache never parses TOML

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise error(name, int(m.group(1)) if m else None, f"TOML 语法错误：{exc}") from None
    except RecursionError:  # tomllib recurses once per nested array or table
        raise error(name, None, "TOML 嵌套过深，无法读取") from None


def line_in_block(lines: list[str], start: int, key: str | None) -> int:
    """1-based line of `key =` inside the [[…]] block starting at `start` (else the block's own line)."""
    if key is not None:
        pat = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
        for i in range(start + 1, len(lines)):
            if _HEADER.match(lines[i]):
                break
            if pat.match(lines[i]):
                return i + 1
    return start + 1
