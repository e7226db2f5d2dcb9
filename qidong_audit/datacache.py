"""A per-user cache of what the package builds from its own data files: rule packs, table specs, catalogues.

Parsing the TOML and building these objects takes ≈45 ms, about as long as the rest of a one-workbook audit; the
pickled result loads in a few. Entries are keyed by the Python version and a hash of the bytes of the source
data files and of the package's own code (which builds the objects and defines their classes), so an edited
data file, a new release or a changed module never meets a stale entry. Only the
package's own files are cached — never a user's rules file or workbook.

The cache is a convenience: a folder that cannot be read or written, or an entry that fails to load, means the
object is built as if there were no cache. QIDONG_AUDIT_CACHE_DIR names the folder ("off" turns it off);
the default is $XDG_CACHE_HOME/qidong-audit (~/.cache/qidong-audit).
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, TypeVar

try:  # hashlib would first load OpenSSL (≈3 ms a run) for a hash the standard library has built in
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - Pythons without the built-in module
    from hashlib import blake2b

T = TypeVar("T")


class _Readable(Protocol):
    def read_bytes(self) -> bytes: ...


def cached(name: str, sources: Iterable[_Readable], build: Callable[[], T]) -> T:
    """build(), or the object it built before from the same `sources` (paths or importlib resources)."""
    folder = cache_dir()
    if folder is None:
        return build()
    try:
        digest = _digest(name, sources)
    except OSError:
        return build()
    entry = folder / f"{name}-{digest}.pickle"
    try:
        import pickle  # imported here: `qidong_audit` itself asks for the cache folder on import (classcode.py)

        return pickle.loads(entry.read_bytes())
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is rebuilt, never trusted or fatal
        pass
    value = build()
    _store(entry, value)
    return value


def cache_dir() -> Path | None:
    setting = os.environ.get("QIDONG_AUDIT_CACHE_DIR", "").strip()
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qidong-audit"


def _digest(name: str, sources: Iterable[_Readable]) -> str:
    h = blake2b(digest_size=16)
    h.update(f"{name}\0{sys.version}\0{_code_digest()}\0".encode())
    for source in sources:
        data = source.read_bytes()
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    """The package version and the name, size and modification time of each of its modules (≈1 ms): the code
    that builds and defines what is cached. Reading every module to hash it would take three times as long."""
    from qidong_audit import __version__

    root = Path(__file__).resolve().parent
    h = blake2b(__version__.encode(), digest_size=16)
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir() and entry.name != "__pycache__":
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".py"):
                    info = entry.stat()
                    h.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return h.hexdigest()


def entry_name(name: str, *parts: str, suffix: str = ".pickle") -> str:
    """The file name of an entry that depends on `parts` and on the package's code (not on data files)."""
    h = blake2b(digest_size=16)
    h.update("\0".join((name, _code_digest(), *parts)).encode())
    return f"{name}-{h.hexdigest()}{suffix}"


def _store(entry: Path, value: object) -> None:
    import pickle

    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an unpicklable object: just do without
        return
    write_atomically(entry, data)


def write_atomically(entry: Path, data: bytes) -> None:
    """Write an entry atomically (a reader sees the old entry or the whole new one), or not at all."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=entry.suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, entry)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _drop_older(entry)
    except Exception:  # noqa: BLE001 - read-only home, full disk: just do without
        pass


def _drop_older(entry: Path, keep: int = 4) -> None:
    """Keep the `keep` newest entries of this name (other data or code: another installed version, say) and
    remove the rest, so the folder stays small without two versions in use evicting each other's entries."""
    suffix = entry.suffix
    name = entry.name[: -len(suffix) - 33]
    entries = []
    for other in entry.parent.glob(f"{name}-*{suffix}"):
        digest = other.name[len(name) + 1 : -len(suffix)]
        if len(digest) == 32 and all(c in "0123456789abcdef" for c in digest):
            try:
                entries.append((other.stat().st_mtime_ns, other))
            except OSError:
                continue
    entries.sort(reverse=True)
    for _, other in entries[keep:]:
        if other != entry:
            other.unlink(missing_ok=True)
