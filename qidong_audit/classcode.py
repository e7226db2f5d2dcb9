"""Compiled code of the methods `@dataclass` writes for this package's classes, kept between runs.

@dataclass writes each class's __init__, __repr__, __eq__, __hash__ (and __setattr__/__delattr__ for a frozen
class) as source text and compiles it with exec() while the module is imported. A one-workbook `check` creates
about fifty dataclasses, and compiling those texts is ≈60% of creating them: ≈25 ms of every run, as long as
reading and checking the workbook. Python keeps compiled modules in __pycache__ but not these texts, so this
module keeps them: one code object per text (marshal), in the data cache folder (datacache.py).

The classes come out exactly as dataclasses makes them — the same text, compiled the same way; only the
compiling is skipped. A text is its own key, so an entry can never belong to another class; the file is also
named by the Python version (marshal's format is version-specific) and by the package's code (so texts of
classes that no longer exist do not pile up). Like the rest of the data cache it is the package's own output,
trusted as Python trusts __pycache__.

dataclasses calls exec() by its global name; install() gives the dataclasses module an `exec` of its own, which
goes through the cache for classes defined in this package and hands every other call to the builtin unchanged.
With the data cache off (QIDONG_AUDIT_CACHE_DIR=off) every call goes to the builtin; on a Python whose
dataclasses no longer calls exec the hook is simply never used. install() itself only imports dataclasses: the
data cache is looked at when the first class is made, so `--help` pays nothing for it.
"""

from __future__ import annotations

import builtins
import sys

_PACKAGE = __name__.rsplit(".", 1)[0]
_builtin_exec = builtins.exec

_codes: dict[str, object] | None = None  # source text → code object; loaded on first use
_off = False  # the data cache is off: every text is compiled as dataclasses would
_added = 0  # texts compiled in this process, not yet written


def install() -> None:
    """Let dataclasses compile this package's methods through the cache (idempotent)."""
    import dataclasses

    if "exec" not in vars(dataclasses):  # else already ours, or someone else's hook: leave it be
        dataclasses.exec = _exec  # type: ignore[attr-defined]


def _exec(source, globals=None, locals=None, /):  # noqa: A002 - the builtin's own parameter names
    if type(source) is not str or not isinstance(globals, dict) or not _ours(globals.get("__name__")):
        return _builtin_exec(source, globals, locals)
    codes = _load()
    if codes is None:  # the data cache is off
        return _builtin_exec(source, globals, locals)
    code = codes.get(source)
    if code is None:
        code = codes[source] = compile(source, "<string>", "exec")
        _note_added()
    return _builtin_exec(code, globals, locals)


def _ours(module: object) -> bool:
    return isinstance(module, str) and (module == _PACKAGE or module.startswith(_PACKAGE + "."))


def _load() -> dict[str, object] | None:
    """The kept texts (read when the package makes its first class), or None with the data cache off."""
    global _codes, _off
    if _codes is None and not _off:
        entry = _entry()
        if entry is None:
            _off = True
            return None
        _codes = {}
        import marshal

        try:
            loaded = marshal.loads(entry.read_bytes())
            if isinstance(loaded, dict):
                _codes = {k: v for k, v in loaded.items() if type(k) is str and _is_code(v)}
        except Exception:  # noqa: BLE001 - missing, damaged or foreign: compile as if there were none
            pass
    return _codes


def _is_code(value: object) -> bool:
    return type(value) is type(_is_code.__code__)


def _note_added() -> None:
    global _added
    if _added == 0:
        import atexit

        atexit.register(save)
    _added += 1


def save() -> None:
    """Write the texts compiled in this process (at exit; a forked worker leaves without writing)."""
    global _added
    if not _added or _codes is None:
        return
    entry = _entry()
    if entry is None:
        return
    import marshal

    from qidong_audit.datacache import write_atomically

    write_atomically(entry, marshal.dumps(_codes))
    _added = 0


def _entry():
    from qidong_audit.datacache import cache_dir, entry_name

    folder = cache_dir()
    if folder is None:
        return None
    try:
        # marshal's format for code objects is the interpreter's own: keyed as __pycache__ is, and by the build
        return folder / entry_name("dataclass-code", sys.implementation.cache_tag or "", sys.version, suffix=".marshal")
    except OSError:
        return None
