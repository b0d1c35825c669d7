"""The engines the services make: PostgreSQL connections without JIT (short statements never repay it)."""

import pytest
from sqlalchemy import text

from services.kit.db import make_engine


@pytest.mark.postgres
def test_postgres_connections_run_without_jit(postgres_database):
    engine = make_engine(postgres_database("engagements"))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()
