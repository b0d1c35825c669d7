"""CSV in and out: the partner lists officers keep in Excel.

Import takes UTF-8 (with or without BOM) or Windows-1252, `;` or `,` separated, a header row
naming the columns (any order, any case). List columns hold values separated by `|`. The file is
read whole when it arrives (an unreadable file is refused at once); its rows are then checked and
created by an import job (`imports.py`), each row created or refused with its reasons.
Export writes UTF-8 with a BOM and `;`, which Excel opens as it is in French and English locales.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from services.kit.problems import Problem
from services.kit.spreadsheets import inert
from services.kit.thrusts import UnknownThrust, taxonomy
from services.partners import search
from services.partners.models import Partner
from services.partners.schemas import PartnerCreate

COLUMNS = (
    "kind",
    "name_fr",
    "name_en",
    "acronyms",
    "aliases",
    "country",
    "subdivision",
    "region",
    "website",
    "description_fr",
    "description_en",
    "owner",
    "thrusts",
)
LIST_COLUMNS = frozenset({"acronyms", "aliases", "thrusts"})
EXPORT_COLUMNS = ("id", *COLUMNS, "status", "version", "created_at", "created_by", "updated_at", "updated_by")
LIST_SEPARATOR = "|"
# Quotes let a cell hold line breaks; only these columns may have any (the rest are names and codes).
MULTILINE_COLUMNS = frozenset({"description_fr", "description_en"})


class UnreadableFile(Problem):
    status = 422
    title = "Unreadable CSV file"


@dataclass
class RowProblem:
    line: int
    reasons: list[str]


def decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The file is neither UTF-8 nor Windows-1252 text.")


def parse(raw: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the records of an uploaded file, or UnreadableFile (422) saying why not."""
    return read_rows(decode(raw))


def read_rows(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each record with the line it starts on (1 = the header line)."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    # strict: a quote never closed is an error, not the rest of the file read into one cell (issue 10).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise UnreadableFile("The file is empty.") from None
    except csv.Error as exc:
        raise UnreadableFile(f"Line 1: {exc}.", line=1) from None
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise UnreadableFile(f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(COLUMNS)}.", unknown=unknown)
    if "kind" not in header or not {"name_fr", "name_en"} & set(header):
        raise UnreadableFile("The header needs a kind column and name_fr or name_en.")
    rows: list[tuple[int, list[str]]] = []
    line = reader.line_num
    try:
        for record in reader:
            rows.append((line + 1, record))
            line = reader.line_num
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise UnreadableFile(
                f'Line {line + 1}: a quote (") opened on this line is never closed.', line=line + 1
            ) from None
        raise UnreadableFile(f"Line {line + 1}: {exc}.", line=line + 1) from None
    return header, rows


def _row_values(header: list[str], record: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, raw in zip(header, record, strict=False):
        cell = raw.strip()
        if name in LIST_COLUMNS:
            values[name] = [v.strip() for v in cell.split(LIST_SEPARATOR) if v.strip()]
        elif cell:
            values[name] = cell
    return values


def _reasons(exc: ValidationError) -> list[str]:
    reasons = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        message = error.get("msg", "").removeprefix("Value error, ")
        reasons.append(f"{where}: {message}" if where else message)
    return reasons


class RowChecker:
    """Checks one record at a time, remembering the names seen so far in the file.

    An import job checks its rows in batches, across restarts: `remember` replays the rows an
    earlier run already handled, so "same name as line N" is found whichever run reaches line N.
    """

    def __init__(self, header: list[str], *, allow_duplicates: bool) -> None:
        self.header = header
        self.allow_duplicates = allow_duplicates
        self.seen: dict[tuple[str | None, str], int] = {}

    def _parse(self, record: list[str]) -> PartnerCreate:
        data = PartnerCreate.model_validate(_row_values(self.header, record))
        data.thrusts = taxonomy().validate(data.thrusts)
        return data

    def _names(self, data: PartnerCreate) -> set[tuple[str | None, str]]:
        candidate = Partner.model_validate(data)
        return {(data.country, search.fold(name)) for _, name in search.names_of(candidate)}

    def remember(self, line: int, record: list[str]) -> None:
        """What `check` would have remembered of this row, without asking the database."""
        if not any(cell.strip() for cell in record):
            return
        try:
            data = self._parse(record)
        except (ValidationError, UnknownThrust):
            return
        for name in self._names(data):
            self.seen.setdefault(name, line)

    def check(self, *, session: Session, line: int, record: list[str]) -> PartnerCreate | RowProblem | None:
        """The row ready to create, or why it is refused; None for a blank line."""
        if not any(cell.strip() for cell in record):
            return None
        reasons = []
        if len(record) > len(self.header):
            reasons.append(f"{len(record)} cells for {len(self.header)} columns")
        reasons += [
            f"{name}: a line break inside the cell (a quote not closed on its line?)"
            for name, cell in zip(self.header, record, strict=False)
            if name not in MULTILINE_COLUMNS and ("\n" in cell or "\r" in cell)
        ]
        try:
            data = self._parse(record)
        except ValidationError as exc:
            return RowProblem(line, reasons + _reasons(exc))
        except UnknownThrust as exc:
            return RowProblem(line, [*reasons, f"thrusts: {exc.detail}"])
        names = self._names(data)
        if not self.allow_duplicates:
            reasons += [f"same name as line {self.seen[n]}" for n in sorted(names & self.seen.keys(), key=str)]
            reasons += [
                f"likely duplicate of partner {p.id} ({p.name_fr or p.name_en}), matched on {name!r}"
                for p, name in search.likely_duplicates(session=session, partner=Partner.model_validate(data))
            ]
        for name in names:
            self.seen.setdefault(name, line)
        return RowProblem(line, reasons) if reasons else data


def export_rows(partners: Iterable[Partner]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(EXPORT_COLUMNS)
    yield "\ufeff" + flush()
    for partner in partners:
        row = []
        for name in EXPORT_COLUMNS:
            value = getattr(partner, name)
            if name in LIST_COLUMNS:
                value = LIST_SEPARATOR.join(value)
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            row.append(inert(value))
        writer.writerow(row)
        yield flush()
