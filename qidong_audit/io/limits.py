"""How much a single input file may cost, and the error every unreadable file becomes.

The limits are checked before the expensive work they guard (a zip's declared sizes before anything is
decompressed, a sheet's cell extent before calamine allocates it) and can be raised or lowered with
environment variables, read here and nowhere else (README "Limits", docs/reliability.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

MiB = 1024 * 1024


class ReadError(Exception):
    """The file cannot be audited; the message names the problem in the user's terms."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Refuse a file before reading it when it is larger than these (zip bombs, runaway exports)."""

    max_file_bytes: int = 100 * MiB
    max_unzipped_bytes: int = 256 * MiB  # all members of an xlsx/xlsb/ods together, as declared
    max_ratio: int = 200  # uncompressed / compressed, for members over 1 MiB
    max_cells: int = 1_000_000  # rows × columns a workbook's sheets span (calamine allocates them densely)
    read_timeout_s: int = 120  # wall time for reading one file (the reader runs in a child process)
    max_memory_bytes: int = 2048 * MiB  # address space the reader may add on top of the auditing process

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by QIDONG_AUDIT_* environment variables. Raises ReadError for a value
        that is not a positive whole number (the message names the variable)."""
        env = os.environ if environ is None else environ
        values = {}
        for var, (name, scale) in ENVIRONMENT.items():
            text = env.get(var)
            if text is None or not text.strip():
                continue
            try:
                number = int(text.strip())
            except ValueError:
                number = 0
            if number <= 0:
                raise ReadError(f"环境变量 {var} 应是正整数，而不是「{text}」")
            values[name] = number * scale
        return replace(cls(), **values)


# Environment variable → (Limits field, multiplier). Sizes are given in MiB, time in seconds.
ENVIRONMENT = {
    "QIDONG_AUDIT_MAX_FILE_MB": ("max_file_bytes", MiB),
    "QIDONG_AUDIT_MAX_UNZIPPED_MB": ("max_unzipped_bytes", MiB),
    "QIDONG_AUDIT_MAX_RATIO": ("max_ratio", 1),
    "QIDONG_AUDIT_MAX_CELLS": ("max_cells", 1),
    "QIDONG_AUDIT_READ_TIMEOUT_S": ("read_timeout_s", 1),
    "QIDONG_AUDIT_MAX_MEMORY_MB": ("max_memory_bytes", MiB),
}

DEFAULT_LIMITS = Limits()
