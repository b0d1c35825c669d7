"""CSV in and out: the partner lists officers keep in Excel.

Import takes UTF-8 (with or without BOM) or Windows-1252, `;` or `,` separated, a header row
naming the columns (any order, any case). List columns hold values separated by `|`. Every row is
checked before anything is written; the import then runs in the caller's one transaction.
Export writes UTF-8 with a BOM and `;`, which Excel opens as it is in French and English locales.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError
from sqlmodel import Session

from services.kit.identity import Caller
from services.kit.problems import Problem
from services.kit.spreadsheets import inert
from services.kit.thrusts import UnknownThrust, taxonomy
from services.partners import search, service
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

Progress = Callable[[int, int], None]


class UnreadableFile(Problem):
    status = 422
    title = "Unreadable CSV file"


@dataclass
class RowProblem:
    line: int
    reasons: list[str]


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    valid: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "valid": self.valid,
            "created": len(self.created),
            "ids": self.created,
            "errors": [{"line": e.line, "reasons": e.reasons} for e in self.errors],
        }


def decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("The file is neither UTF-8 nor Windows-1252 text.")


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


def _row_values(header: list[str], record: list[str]) -> dict:
    values: dict = {}
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


def check_rows(
    *, session: Session, raw: bytes, allow_duplicates: bool = False, progress: Progress | None = None
) -> tuple[ImportReport, list[PartnerCreate]]:
    header, rows = read_rows(decode(raw))
    report = ImportReport(dry_run=True)
    valid: list[PartnerCreate] = []
    seen: dict[tuple[str | None, str], int] = {}
    for done, (line, record) in enumerate(rows, start=1):
        if progress:
            progress(done, len(rows))
        if not any(cell.strip() for cell in record):
            continue
        report.rows += 1
        reasons = []
        if len(record) > len(header):
            reasons.append(f"{len(record)} cells for {len(header)} columns")
        reasons += [
            f"{name}: a line break inside the cell (a quote not closed on its line?)"
            for name, cell in zip(header, record, strict=False)
            if name not in MULTILINE_COLUMNS and ("\n" in cell or "\r" in cell)
        ]
        try:
            data = PartnerCreate.model_validate(_row_values(header, record))
            data.thrusts = taxonomy().validate(data.thrusts)
        except ValidationError as exc:
            report.errors.append(RowProblem(line, reasons + _reasons(exc)))
            continue
        except UnknownThrust as exc:
            report.errors.append(RowProblem(line, [*reasons, f"thrusts: {exc.detail}"]))
            continue
        candidate = Partner.model_validate(data)
        names = {(data.country, search.fold(name)) for _, name in search.names_of(candidate)}
        if not allow_duplicates:
            reasons += [f"same name as line {seen[n]}" for n in sorted(names & seen.keys(), key=str)]
            reasons += [
                f"likely duplicate of partner {p.id} ({p.name_fr or p.name_en}), matched on {name!r}"
                for p, name in search.likely_duplicates(session=session, partner=candidate)
            ]
        for name in names:
            seen.setdefault(name, line)
        if reasons:
            report.errors.append(RowProblem(line, reasons))
        else:
            valid.append(data)
    report.valid = len(valid)
    return report, valid


def import_partners(
    *,
    session: Session,
    raw: bytes,
    dry_run: bool,
    caller: Caller | None = None,
    allow_duplicates: bool = False,
    progress: Progress | None = None,
    write_progress: Progress | None = None,
) -> ImportReport:
    """All rows or none: any bad row, and nothing is written (the report says why)."""
    report, valid = check_rows(session=session, raw=raw, allow_duplicates=allow_duplicates, progress=progress)
    report.dry_run = dry_run
    if dry_run or report.errors:
        return report
    for done, data in enumerate(valid, start=1):
        partner = service.create_partner(session=session, data=data, caller=caller, allow_duplicate=True)
        report.created.append(str(partner.id))
        if write_progress:
            write_progress(done, len(valid))
    return report


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
