import pytest
from fastapi.testclient import TestClient

from services.engagements.app import create_app
from services.engagements.settings import EngagementsSettings
from services.kit.db import make_engine, make_session_factory
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs


@pytest.fixture
def engagements_engine(new_database):
    engine = make_engine(new_database("engagements"))
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engagements_engine):
    return make_session_factory(engagements_engine)


@pytest.fixture
def client(engagements_engine):
    settings = EngagementsSettings(environment="test", kafka_enabled=False, identity_secret=TEST_IDENTITY_SECRET)
    with TestClient(create_app(settings, engine=engagements_engine), raise_server_exceptions=False) as client:
        client.auth = SignedAs()
        yield client
