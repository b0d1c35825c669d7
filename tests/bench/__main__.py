"""`make bench`: start a broker and a PostgreSQL cluster of its own, run the benchmarks, print figures.

`python -m tests.bench [gateway] [search] [import] [flow] [notifications] [inbox] [engagements] [web]` runs only
those named; with none, all of them (engagements at scale loads up to 1,000,000 rows: it takes several minutes).
`LIAISON_BENCH_QUICK=1` (`make bench-quick`): the small sizes only. `LIAISON_BENCH_SIZES=10k,100k` picks the
engagement sizes on PostgreSQL, `LIAISON_BENCH_SQLITE_SIZE` the one on SQLite (empty: none). Every run
ends with one table (tests/bench/table.py), also kept in var/bench/latest.json.
"""

import os
import sys
import tempfile
import uuid

from tests.bench import (
    engagement_to_inbox,
    engagements_scale,
    flow_latency,
    gateway_throughput,
    notifications_latency,
    partners_import,
    partners_search,
    table,
    web_pages,
)
from tests.support.databases import migrate
from tests.support.kafka import KafkaBroker
from tests.support.postgres import PostgresCluster

BENCHES = ("gateway", "search", "import", "flow", "notifications", "inbox", "engagements", "web")


def main(argv: list[str]) -> None:
    unknown = set(argv) - set(BENCHES)
    if unknown:
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHES)}")
    chosen = set(argv) or set(BENCHES)
    broker = KafkaBroker().start()
    cluster = PostgresCluster().start()

    def new_postgres(service: str, label: str) -> str:
        return migrate(service, cluster.create_database(f"bench_{label}_{uuid.uuid4().hex[:6]}"))

    try:
        if "gateway" in chosen:
            gateway_throughput.run(broker)
        if "search" in chosen:
            with tempfile.TemporaryDirectory() as folder:
                partners_search.run(
                    migrate("partners", f"sqlite:///{folder}/search.db"), "SQLite", partners_search.SQLITE_PARTNERS
                )
            partners_search.run(new_postgres("partners", "search"), "PostgreSQL", partners_search.POSTGRES_PARTNERS)
        if "import" in chosen:
            quick = os.environ.get("LIAISON_BENCH_QUICK") == "1"
            postgres_sizes, sqlite_size = partners_import.sizes_from_env(quick)
            if sqlite_size:
                with tempfile.TemporaryDirectory() as folder:
                    partners_import.run(
                        lambda: migrate("partners", f"sqlite:///{folder}/import_{uuid.uuid4().hex[:6]}.db"),
                        "SQLite",
                        [sqlite_size],
                    )
            partners_import.run(lambda: new_postgres("partners", "import"), "PostgreSQL", postgres_sizes)
        if "flow" in chosen:
            with tempfile.TemporaryDirectory() as folder:
                sqlite = {name: migrate(name, f"sqlite:///{folder}/{name}.db") for name in flow_latency.SERVICES}
                flow_latency.run(broker, sqlite, "SQLite")
            flow_latency.run(broker, {name: new_postgres(name, name) for name in flow_latency.SERVICES}, "PostgreSQL")
        if "notifications" in chosen:
            with tempfile.TemporaryDirectory() as folder:
                notifications_latency.run(broker, migrate("notifications", f"sqlite:///{folder}/n.db"), "SQLite")
            notifications_latency.run(broker, new_postgres("notifications", "notifications"), "PostgreSQL")
        if "inbox" in chosen:
            engagement_to_inbox.run(
                broker,
                {name: new_postgres(name, f"inbox_{name}") for name in (*flow_latency.SERVICES, "gateway")},
                "PostgreSQL",
            )
        if "web" in chosen:
            web_pages.run(
                broker,
                {name: new_postgres(name, f"web_{name}") for name in (*flow_latency.SERVICES, "gateway")},
                "PostgreSQL",
            )
        if "engagements" in chosen:
            quick = os.environ.get("LIAISON_BENCH_QUICK") == "1"
            default = "10k" if quick else "10k,100k,1M"
            sizes = [s for s in os.environ.get("LIAISON_BENCH_SIZES", default).split(",") if s]
            sqlite_size = os.environ.get("LIAISON_BENCH_SQLITE_SIZE", "10k" if quick else "100k")  # "": none
            with tempfile.TemporaryDirectory() as folder:
                engagements_scale.run(
                    broker,
                    lambda: new_postgres("engagements", "scale"),
                    (lambda: migrate("engagements", f"sqlite:///{folder}/scale.db")) if sqlite_size else None,
                    sizes=sizes,
                    sqlite_size=sqlite_size,
                    quick=quick,
                )
    finally:
        cluster.stop()
        broker.stop()
    table.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
