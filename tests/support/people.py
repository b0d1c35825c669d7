"""People as the services know them, for process tests: a user made at the gateway reaches the
engagements service's copy of the directory (kit/people.py) through Kafka a moment later, and an
engagement or follow-up naming them before then is refused (422, "Unknown or disabled person")."""

from __future__ import annotations

import time

from sqlalchemy import bindparam, create_engine, text


def wait_until_known(database_url: str, *usernames: str, timeout: float = 30.0) -> None:
    """Until the engagements service whose database is `database_url` knows each of `usernames` as an
    enabled person (its `people` table, read directly: no route of the service tells it)."""
    engine = create_engine(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as connection:
                query = text("SELECT username FROM people WHERE NOT disabled AND username IN :names")
                known = set(
                    connection.scalars(query.bindparams(bindparam("names", expanding=True)), {"names": list(usernames)})
                )
            missing = sorted(set(usernames) - known)
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the engagements service never heard of {missing} from the directory")
            time.sleep(0.1)
    finally:
        engine.dispose()
