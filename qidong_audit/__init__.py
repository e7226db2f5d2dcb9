"""qidong-audit: audit Chinese government 部门决算/预算 disclosure workbooks.

The library reads, recognises, checks and reports; it never prints or exits (that is the CLI's job).
Entry point for library users: `qidong_audit.audit.audit_paths`.
"""

__version__ = "0.1.0"

from qidong_audit import classcode as _classcode  # noqa: E402 - before any module of the package defines a dataclass

_classcode.install()
