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
import uuid
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
from services.partners.name_index import NameIndex
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
    "owner_team_id",
    "thrusts",
)
LIST_COLUMNS = frozenset({"acronyms", "aliases", "thrusts"})
EXPORT_COLUMNS = ("id", *COLUMNS, "status", "version", "created_at", "created_by", "updated_at", "updated_by")
LIST_SEPARATOR = "|"
# Quotes let a cell hold line breaks; only these columns may have any (the rest are names and codes).
MULTILINE_COLUMNS = frozenset({"description_fr", "description_en"})
NAME_COLUMNS = frozenset({"name_fr", "name_en", "acronyms", "aliases"})


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


@dataclass
class Accepted:
    """A row to create, with the id it will have (known before it is written: later rows may duplicate it)."""

    line: int
    partner_id: uuid.UUID
    data: PartnerCreate


def names_of(data: PartnerCreate) -> list[tuple[str, str]]:
    """(name as written, folded) for each name, acronym and alias of a row: what duplicates are found by."""
    written = [data.name_fr, data.name_en, *data.acronyms, *data.aliases]
    return [(name, folded) for name in written if name and (folded := search.fold(name))]


class RowChecker:
    """Checks a file's records batch by batch, remembering the names seen so far in the file.

    An import job checks its rows in batches, across restarts: `remember` replays the rows an
    earlier run already handled, so "same name as line N" is found whichever run reaches line N.
    Likely duplicates in the directory (and among the rows this run creates) come from a `NameIndex`
    kept for the whole run: one refresh query a batch, not six candidate queries a row (issue 12).
    """

    def __init__(self, header: list[str], *, allow_duplicates: bool) -> None:
        self.header = header
        self.allow_duplicates = allow_duplicates
        self.seen: dict[tuple[str | None, str], int] = {}
        self.index: NameIndex | None = None
        self.created: set[uuid.UUID] = set()

    def _parse(self, record: list[str]) -> PartnerCreate:
        data = PartnerCreate.model_validate(_row_values(self.header, record))
        data.thrusts = taxonomy().validate(data.thrusts)
        return data

    def _names(self, data: PartnerCreate) -> set[tuple[str | None, str]]:
        return {(data.country, folded) for _, folded in names_of(data)}

    def remember(self, line: int, record: list[str]) -> None:
        """What `check_batch` would have remembered of this row, without asking the database."""
        if not any(cell.strip() for cell in record):
            return
        try:
            data = self._parse(record)
        except (ValidationError, UnknownThrust):
            return
        for name in self._names(data):
            self.seen.setdefault(name, line)

    def start(self, *, session: Session, sample: list[list[str]]) -> None:
        """Index the directory's names (not needed when duplicates are allowed); `sample`: records of the
        file, whose names tell which trigrams are rare."""
        if self.allow_duplicates:
            return
        columns = [i for i, name in enumerate(self.header) if name in NAME_COLUMNS]
        folded = (
            search.fold(part)
            for record in sample
            for i in columns
            if i < len(record)
            for part in record[i].split(LIST_SEPARATOR)
        )
        self.index = NameIndex()
        self.index.build(session=session, sample=[key for key in folded if key])

    def _problems(self, line: int, record: list[str]) -> PartnerCreate | RowProblem | None:
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
        return RowProblem(line, reasons) if reasons else data

    def check_batch(
        self, *, session: Session, batch: list[tuple[int, list[str]]], creating: bool
    ) -> list[Accepted | RowProblem]:
        """Each non-blank row of the batch, accepted (with its id to be) or refused with its reasons.
        `creating`: the accepted rows will be written, so later rows are checked against them too."""
        checked = [(line, self._problems(line, record)) for line, record in batch]
        index = self.index
        # Each name's look-alikes among the partners written before this batch (the directory's read
        # again when any is found: still there, same names), then among this batch's own rows.
        before: dict[tuple[str, str | None], list[uuid.UUID]] = {}
        batch_index = None
        if index is not None:
            index.refresh(session=session, skip=self.created)
            wanted = {(f, o.country) for _, o in checked if isinstance(o, PartnerCreate) for _, f in names_of(o)}
            found = {name: index.alike(*name) for name in wanted}
            suspects = {pid for hits in found.values() for pid, _ in hits if pid not in self.created}
            if suspects:
                index.confirm(session=session, partner_ids=suspects)
                found |= {name: index.alike(*name) for name, hits in found.items() if hits}
            before = {name: [pid for pid, _ in hits] for name, hits in found.items()}
            batch_index = index.companion()
        results: list[Accepted | RowProblem] = []
        for line, outcome in checked:
            if outcome is None or isinstance(outcome, RowProblem):
                if outcome is not None:
                    results.append(outcome)
                continue
            names = self._names(outcome)
            reasons = []
            if index is not None and batch_index is not None:
                reasons += [f"same name as line {self.seen[n]}" for n in sorted(names & self.seen.keys(), key=str)]
                reasons += self._likely_duplicates(index, batch_index, before, outcome)
            for name in names:
                self.seen.setdefault(name, line)
            if reasons:
                results.append(RowProblem(line, reasons))
                continue
            accepted = Accepted(line, uuid.uuid4(), outcome)
            results.append(accepted)
            if creating and batch_index is not None:
                self._index_row(batch_index, accepted)
        if creating and index is not None:
            for accepted in (r for r in results if isinstance(r, Accepted)):
                self.created.add(accepted.partner_id)
                self._index_row(index, accepted)
        return results

    @staticmethod
    def _index_row(index: NameIndex, accepted: Accepted) -> None:
        display = accepted.data.name_fr or accepted.data.name_en or ""
        for _, folded in names_of(accepted.data):
            index.add(partner_id=accepted.partner_id, key=folded, country=accepted.data.country, display=display)

    def _likely_duplicates(
        self,
        index: NameIndex,
        batch_index: NameIndex,
        before: dict[tuple[str, str | None], list[uuid.UUID]],
        data: PartnerCreate,
    ) -> list[str]:
        found: dict[uuid.UUID, str] = {}
        for name, folded in names_of(data):
            for partner_id in before.get((folded, data.country), []):
                found.setdefault(partner_id, name)
            for partner_id, _ in batch_index.alike(folded, data.country):
                found.setdefault(partner_id, name)
        return [
            f"likely duplicate of partner {partner_id} "
            f"({index.display.get(partner_id) or batch_index.display.get(partner_id, '')}), matched on {name!r}"
            for partner_id, name in found.items()
        ]


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
