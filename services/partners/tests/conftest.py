import json

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from services.kit.identity import Caller
from services.kit.outbox import OutboxMessage
from services.partners.app import create_app
from services.partners.settings import PartnersSettings
from tests.support.apps import service_client, unit_settings
from tests.support.identity import SignedAs

ADMIN = Caller(user="admin@example.test", roles=frozenset({"admin"}))
VIEWER = Caller(user="viewer@example.test", roles=frozenset({"viewer"}))
INTEGRATION = Caller(user="bi-system", roles=frozenset({"integration"}))


@pytest.fixture
def partners_engine(new_engine):
    return new_engine("partners")


@pytest.fixture
def client(partners_engine):
    with service_client(create_app, unit_settings(PartnersSettings), engine=partners_engine) as client:
        yield client


def signed(caller: Caller) -> SignedAs:
    """Pass as `auth=` on one request to make it as another caller."""
    return SignedAs(caller)


def count(engine, model, *where) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def events(engine, event_type: str | None = None) -> list[dict]:
    with Session(engine) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    found = [json.loads(row.payload) | {"_key": row.key} for row in rows]
    return [e for e in found if event_type is None or e["type"] == event_type]


def create(client, body: dict, **params) -> dict:
    response = client.post("/api/v1/partners", json=body, params=params)
    assert response.status_code == 201, response.text
    return response.json()


BAVARIA = {
    "kind": "federated_state",
    "name_fr": "Bavière",
    "name_en": "Bavaria",
    "country": "DE",
    "subdivision": "DE-BY",
    "region": "europe",
    "aliases": ["Freistaat Bayern"],
    "acronyms": ["BY"],
}
GERMANY = {
    "kind": "state",
    "name_fr": "Allemagne",
    "name_en": "Germany",
    "country": "DE",
    "region": "europe",
    "aliases": ["Bundesrepublik Deutschland"],
}
OIF = {
    "kind": "international_organization",
    "name_fr": "Organisation internationale de la Francophonie",
    "name_en": "International Organisation of La Francophonie",
    "acronyms": ["OIF"],
    "aliases": ["Francophonie"],
    "region": "global",
    "thrusts": ["french-language.francophonie"],
}
