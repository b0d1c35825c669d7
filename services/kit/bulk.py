"""Many rows into one table in one go, inside the session's transaction (issue 12: the CSV import).

PostgreSQL (psycopg 3): `COPY ... FROM STDIN`, the fastest way in, with each value converted as the
column's SQLAlchemy type would bind it (JSON as its text, UTC datetimes). Elsewhere (SQLite): one
executemany INSERT. Columns left out of the rows take their database default (serial ids).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import JSON, Table, TypeDecorator, insert
from sqlalchemy.engine import Dialect
from sqlmodel import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table`; the session's pending objects are flushed first."""
    if not rows:
        return
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), list(rows))


def _converter(column_type: Any, dialect: Dialect) -> Callable[[Any], Any]:
    if isinstance(column_type, JSON):
        return lambda value: None if value is None else json.dumps(to_jsonable_python(value), ensure_ascii=False)
    # A TypeDecorator that converts what it binds (UTCDateTime); sqlmodel's AutoString converts nothing.
    if isinstance(column_type, TypeDecorator) and type(column_type).process_bind_param is not (
        TypeDecorator.process_bind_param
    ):
        return lambda value: column_type.process_bind_param(value, dialect)
    return lambda value: value


def _copy(connection: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    names = list(rows[0])
    converters = [_converter(table.c[name].type, connection.dialect) for name in names]
    columns = ", ".join(connection.dialect.identifier_preparer.quote(name) for name in names)
    target = connection.dialect.identifier_preparer.format_table(table)
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([convert(row[name]) for name, convert in zip(names, converters, strict=True)])
