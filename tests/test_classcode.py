"""The kept compiled code of the package's dataclass methods (qidong_audit/classcode.py): classes behave the
same from the cache as without it, only the package's own classes go through it, and a damaged cache or a
cache turned off changes nothing but speed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a fresh interpreter: prints how many texts the cache holds after making classes of the package and
# one of its own, and checks that the package's value classes behave as dataclasses do.
_PROBE = textwrap.dedent(
    """
    import dataclasses, json, sys
    from decimal import Decimal
    from qidong_audit import classcode
    from qidong_audit.model import CellRef, Finding, Severity, Verdict

    @dataclasses.dataclass(frozen=True)
    class Outside:  # not the package's: compiled by the builtin exec, never kept
        x: int

    f = Finding(rule="X01", severity=Severity.ERROR, verdict=Verdict.INCONSISTENT, message="m", file="a.xlsx",
                cells=(CellRef("表", "B7", "1.00", "total"),), expected=Decimal("1.00"))
    g = dataclasses.replace(f, message="m")
    try:
        f.message = "changed"
        frozen = False
    except dataclasses.FrozenInstanceError:
        frozen = True
    classcode.save()
    codes = classcode._load() or {}
    print(json.dumps({
        "hooked": "exec" in vars(dataclasses),
        "equal": f == g and hash(f) == hash(g),
        "frozen": frozen,
        "repr": repr(f.cells[0]),
        "texts": len(codes),
        "outside": any("Outside" in t or "_type_x" in t for t in codes),
        "fields": [x.name for x in dataclasses.fields(CellRef)],
    }))
    """
)


def _probe(cache: str) -> dict:
    import json

    env = {**os.environ, "QIDONG_AUDIT_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("dataclass-code-*.marshal"))


def test_first_run_keeps_the_code_and_the_next_run_uses_it(tmp_path):
    folder = tmp_path / "cache"
    first = _probe(str(folder))
    assert _entries(folder), "the first run writes the compiled texts"
    kept = _entries(folder)[0].read_bytes()
    second = _probe(str(folder))
    assert first == second
    assert second["hooked"] and second["equal"] and second["frozen"]
    assert second["repr"] == "CellRef(sheet='表', cell='B7', value='1.00', role='total')"
    assert second["fields"] == ["sheet", "cell", "value", "role"]
    assert second["texts"] >= 40  # __init__, __repr__, __eq__, … of the model's classes
    assert not second["outside"], "a class outside the package is never kept"
    assert _entries(folder)[0].read_bytes() == kept, "nothing new to compile: the entry is not rewritten"


def test_damaged_entry_is_compiled_again(tmp_path):
    folder = tmp_path / "cache"
    clean = _probe(str(folder))
    entry = _entries(folder)[0]
    entry.write_bytes(b"\x00not marshal data")
    again = _probe(str(folder))
    assert again == clean
    assert entry.read_bytes() != b"\x00not marshal data", "the damaged entry is replaced"


def test_cache_off_compiles_as_dataclasses_does(tmp_path):
    result = _probe("off")
    assert result["equal"] and result["frozen"] and result["texts"] == 0
    assert result["repr"] == "CellRef(sheet='表', cell='B7', value='1.00', role='total')"


def test_the_command_line_writes_the_cache_as_it_leaves(tmp_path):
    """The CLI ends without tearing the interpreter down (cli._leave); the atexit handler that writes new
    entries still runs, and the report on stdout arrives whole."""
    import json

    folder = tmp_path / "cache"
    env = {**os.environ, "QIDONG_AUDIT_CACHE_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "qidong_audit", "check", "-f", "json", "-q"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 1, out.stderr  # the bundled sample has errors
    assert json.loads(out.stdout)["summary"]["errors"] > 0
    assert _entries(folder), "the compiled texts were written at exit"
