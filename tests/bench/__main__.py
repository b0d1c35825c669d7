"""`make bench`: start a broker and a PostgreSQL cluster of its own, run every benchmark, print figures.

`python -m tests.bench [flow] [engagements]` runs only those named.
"""
import sys
import tempfile
import uuid

from tests.bench import engagements_scale, flow_latency
from tests.support.databases import migrate
from tests.support.kafka import KafkaBroker
from tests.support.postgres import PostgresCluster


def main(argv: list[str]) -> None:
    chosen = set(argv) or {"flow", "engagements"}
    broker = KafkaBroker().start()
    cluster = PostgresCluster().start()
    try:
        if "flow" in chosen:
            with tempfile.TemporaryDirectory() as folder:
                sqlite = {name: migrate(name, f"sqlite:///{folder}/{name}.db") for name in flow_latency.SERVICES}
                flow_latency.run(broker.bootstrap, sqlite, "SQLite")
            postgres = {name: migrate(name, cluster.create_database(f"bench_{name}_{uuid.uuid4().hex[:6]}"))
                        for name in flow_latency.SERVICES}
            flow_latency.run(broker.bootstrap, postgres, "PostgreSQL")
        if "engagements" in chosen:
            database = migrate("engagements", cluster.create_database(f"bench_scale_{uuid.uuid4().hex[:6]}"))
            engagements_scale.run(broker.bootstrap, database)
    finally:
        cluster.stop()
        broker.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
