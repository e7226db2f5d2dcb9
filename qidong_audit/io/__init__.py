"""Reading files: the only layer that touches file formats.

`read_workbook` sniffs the bytes (not the extension), reads every sheet's cell values with
python-calamine and returns them raw; turning values into amounts is recognition's job.
"""

from qidong_audit.io.workbook import Limits, RawSheet, RawWorkbook, ReadError, read_workbook

__all__ = ["Limits", "RawSheet", "RawWorkbook", "ReadError", "read_workbook"]
