"""CSV cells for spreadsheets: the one way every export writes a cell (issue 10, defect 9).

A cell starting like a formula (`=`, `+`, `-`, `@`) runs as one when Excel or LibreOffice opens the file
(CSV injection); so does one starting with a TAB or a CR (or a line feed), which spreadsheets skip
before they look for the `=`. Such a cell gets a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def inert(cell: object) -> str:
    """`cell` as text a spreadsheet shows as it is (`None` is an empty cell)."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
