"""`make bench`: start a broker and a PostgreSQL cluster of its own, run every benchmark, print figures."""
import tempfile
import uuid

from tests.bench import flow_latency, gateway_throughput, notifications_latency, partners_search
from tests.support.kafka import KafkaBroker
from tests.support.postgres import PostgresCluster
from tests.support.databases import migrate


def main() -> None:
    broker = KafkaBroker().start()
    cluster = PostgresCluster().start()
    try:
        gateway_throughput.run(broker.bootstrap)
        with tempfile.TemporaryDirectory() as folder:
            partners_search.run(migrate("partners", f"sqlite:///{folder}/search.db"), "SQLite",
                                partners_search.SQLITE_PARTNERS)
        partners_search.run(migrate("partners", cluster.create_database(f"bench_search_{uuid.uuid4().hex[:6]}")),
                            "PostgreSQL", partners_search.POSTGRES_PARTNERS)
        with tempfile.TemporaryDirectory() as folder:
            sqlite = {name: migrate(name, f"sqlite:///{folder}/{name}.db") for name in flow_latency.SERVICES}
            flow_latency.run(broker.bootstrap, sqlite, "SQLite")
        postgres = {name: migrate(name, cluster.create_database(f"bench_{name}_{uuid.uuid4().hex[:6]}"))
                    for name in flow_latency.SERVICES}
        flow_latency.run(broker.bootstrap, postgres, "PostgreSQL")
        with tempfile.TemporaryDirectory() as folder:
            notifications_latency.run(broker.bootstrap, migrate("notifications", f"sqlite:///{folder}/n.db"), "SQLite")
        notifications_latency.run(broker.bootstrap, migrate("notifications", cluster.create_database(
            f"bench_notifications_{uuid.uuid4().hex[:6]}")), "PostgreSQL")
    finally:
        cluster.stop()
        broker.stop()


if __name__ == "__main__":
    main()
