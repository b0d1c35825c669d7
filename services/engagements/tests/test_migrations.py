"""Migration 0003: an engagement's partners move from the JSON column to the ordered link table, and back."""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from services.engagements.models import Engagement
from services.kit.db import make_engine, make_session_factory
from services.kit.migrations import downgrade, upgrade
from services.kit.types import UTCDateTime
from tests.support.databases import MIGRATIONS

NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
ENGAGEMENTS_0002 = sa.table(
    "engagements",
    *(sa.column(name, sa.Uuid()) for name in ("id",)),
    *(sa.column(name, sa.JSON()) for name in ("partner_ids", "contact_ids", "officers", "discussion_points")),
    *(sa.column(name, sa.JSON()) for name in ("thrusts", "tags", "signatories")),
    *(sa.column(name, sa.String()) for name in ("type", "title", "confidentiality", "search_document", "created_by")),
    *(sa.column(name, sa.DateTime(timezone=True)) for name in ("starts_at", "ends_at", "created_at", "updated_at")),
    *(sa.column(name, sa.Integer()) for name in ("local_year", "local_quarter", "version")),
)
LINKS = sa.table("engagement_partners", sa.column("engagement_id", sa.Uuid()), sa.column("partner_id", sa.Uuid()))


def engagement_row(engagement_id: uuid.UUID, partner_ids: list[uuid.UUID]) -> dict:
    lists = {name: [] for name in ("contact_ids", "officers", "discussion_points", "tags", "signatories")}
    return lists | {
        "id": engagement_id,
        "partner_ids": [str(p) for p in partner_ids],
        "thrusts": ["trade"],
        "type": "meeting",
        "title": "Rencontre",
        "confidentiality": "internal",
        "search_document": "Rencontre",
        "created_by": "officer@example.test",
        "starts_at": NOW,
        "ends_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
        "local_year": 2026,
        "local_quarter": 1,
        "version": 1,
    }


def columns(engine, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns(table)}


def test_partner_links_move_to_the_link_table_in_order_and_back(new_database):
    url = new_database("engagements", revision="0002")
    first, second, third = (uuid.uuid4() for _ in range(3))
    both, one, drifted = (uuid.uuid4() for _ in range(3))
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.insert(ENGAGEMENTS_0002),
                [
                    engagement_row(both, [second, first]),
                    engagement_row(one, [third]),
                    engagement_row(drifted, [first, third]),
                ],
            )
            # The links as 0002 kept them (no order); `drifted` lost one, as a hand-kept copy can.
            rows = [(both, first), (both, second), (one, third), (drifted, first)]
            connection.execute(sa.insert(LINKS), [{"engagement_id": e, "partner_id": p} for e, p in rows])

        upgrade(MIGRATIONS["engagements"], url)
        assert "partner_ids" not in columns(engine, "engagements")
        with make_session_factory(engine)() as session:
            named = {e: session.get(Engagement, e).partner_ids for e in (both, one, drifted)}
        assert named == {both: [second, first], one: [third], drifted: [first, third]}, "the JSON list wins, in order"

        downgrade(MIGRATIONS["engagements"], url, "0002")
        assert "position" not in columns(engine, "engagement_partners")
        with engine.connect() as connection:
            restored = dict(connection.execute(sa.select(ENGAGEMENTS_0002.c.id, ENGAGEMENTS_0002.c.partner_ids)).all())
            links = set(connection.execute(sa.select(LINKS.c.engagement_id, LINKS.c.partner_id)).all())
        assert restored == {both: [str(second), str(first)], one: [str(third)], drifted: [str(first), str(third)]}
        assert links == {(both, first), (both, second), (one, third), (drifted, first), (drifted, third)}
    finally:
        engine.dispose()


def test_0005_names_who_last_changed_each_row_where_known_and_keeps_the_partner_links(new_database):
    url = new_database("engagements", revision="0004")
    fresh, changed, partner = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engagements_0004 = sa.table(
        "engagements", *(sa.column(c.name, c.type) for c in ENGAGEMENTS_0002.columns if c.name != "partner_ids")
    )
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            rows = [engagement_row(fresh, []), engagement_row(changed, []) | {"version": 3}]
            for row in rows:
                del row["partner_ids"]
            connection.execute(sa.insert(engagements_0004), rows)
            connection.execute(sa.insert(LINKS), [{"engagement_id": fresh, "partner_id": partner}])

        upgrade(MIGRATIONS["engagements"], url, "0005")
        with engine.connect() as connection:  # read as 0005 left them (the model is at head)
            updated_by = dict(connection.execute(sa.text("SELECT id, updated_by FROM engagements")).all())
            assert updated_by[fresh.hex if "sqlite" in url else fresh] == "officer@example.test", "never changed"
            assert updated_by[changed.hex if "sqlite" in url else changed] is None, "not known"
            assert connection.execute(sa.select(LINKS.c.partner_id)).scalars().all() == [partner]

        downgrade(MIGRATIONS["engagements"], url, "0004")
        assert "updated_by" not in columns(engine, "engagements")
        assert "engagement_audit_entries" not in sa.inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(LINKS)).scalar() == 1, "no cascade"
    finally:
        engine.dispose()


def test_0008_gives_each_partner_link_its_engagement_start_and_downgrades(new_database):
    url = new_database("engagements", revision="0007")
    engagement, partner = uuid.uuid4(), uuid.uuid4()
    engagements_0007 = sa.table(
        "engagements", *(sa.column(c.name, c.type) for c in ENGAGEMENTS_0002.columns if c.name != "partner_ids")
    )
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            row = engagement_row(engagement, [])
            del row["partner_ids"]
            connection.execute(sa.insert(engagements_0007), [row])
            connection.execute(sa.insert(LINKS), [{"engagement_id": engagement, "partner_id": partner}])

        upgrade(MIGRATIONS["engagements"], url, "0008")
        with engine.connect() as connection:  # read as 0008 left them (the model is at head)
            starts = (
                connection.execute(sa.select(sa.table("engagement_partners", sa.column("starts_at", UTCDateTime()))))
                .scalars()
                .all()
            )
        assert starts == [NOW]
        indexes = {i["name"] for i in sa.inspect(engine).get_indexes("engagement_partners")}
        assert "ix_engagement_partners_recent" in indexes and "ix_engagement_partners_partner" not in indexes

        downgrade(MIGRATIONS["engagements"], url, "0007")
        assert "starts_at" not in columns(engine, "engagement_partners")
        with engine.connect() as connection:
            assert connection.execute(sa.select(sa.func.count()).select_from(LINKS)).scalar() == 1
    finally:
        engine.dispose()


def test_0009_keeps_every_existing_engagement_confirmed_and_listed(new_database):
    url = new_database("engagements", revision="0008")
    engagement = uuid.uuid4()
    engagements_0008 = sa.table(
        "engagements", *(sa.column(c.name, c.type) for c in ENGAGEMENTS_0002.columns if c.name != "partner_ids")
    )
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            row = engagement_row(engagement, [])
            del row["partner_ids"]
            connection.execute(sa.insert(engagements_0008), [row])
        upgrade(MIGRATIONS["engagements"], url, "0009")
        # Read as SQL: the model has columns of later revisions.
        with engine.connect() as connection:
            drafts = connection.execute(sa.text("SELECT draft FROM engagements")).scalars().all()
        assert [bool(d) for d in drafts] == [False]
        downgrade(MIGRATIONS["engagements"], url, "0008")
        assert "draft" not in columns(engine, "engagements")
    finally:
        engine.dispose()


def test_0011_shares_every_existing_engagement_with_no_team(new_database):
    url = new_database("engagements", revision="0010")
    engagement = uuid.uuid4()
    engagements_0010 = sa.table(
        "engagements", *(sa.column(c.name, c.type) for c in ENGAGEMENTS_0002.columns if c.name != "partner_ids")
    )
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            row = engagement_row(engagement, [])
            del row["partner_ids"]
            connection.execute(sa.insert(engagements_0010), [row])
        upgrade(MIGRATIONS["engagements"], url, "0011")
        shared = sa.table("engagements", sa.column("shared_with_teams", sa.JSON()))
        with engine.connect() as connection:  # as SQL: the model may have columns of later revisions
            assert connection.execute(sa.select(shared.c.shared_with_teams)).scalars().all() == [[]]
        downgrade(MIGRATIONS["engagements"], url, "0010")
        assert "shared_with_teams" not in columns(engine, "engagements")
        assert "engagement_teams" not in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
