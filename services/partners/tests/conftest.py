import pytest
from fastapi.testclient import TestClient

from services.kit.db import make_engine
from services.partners.app import create_app
from services.partners.settings import PartnersSettings
from tests.support.identity import TEST_IDENTITY_SECRET, SignedAs


@pytest.fixture
def partners_engine(new_database):
    engine = make_engine(new_database("partners"))
    yield engine
    engine.dispose()


@pytest.fixture
def client(partners_engine):
    settings = PartnersSettings(environment="test", kafka_enabled=False, identity_secret=TEST_IDENTITY_SECRET)
    with TestClient(create_app(settings, engine=partners_engine), raise_server_exceptions=False) as client:
        client.auth = SignedAs()
        yield client
