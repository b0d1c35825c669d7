import pytest

from services.engagements.app import create_app
from services.engagements.settings import EngagementsSettings
from services.kit.db import make_session_factory
from tests.support.apps import service_client, unit_settings


@pytest.fixture
def engagements_engine(new_engine):
    return new_engine("engagements")


@pytest.fixture
def sessions(engagements_engine):
    return make_session_factory(engagements_engine)


@pytest.fixture
def client(engagements_engine):
    with service_client(create_app, unit_settings(EngagementsSettings), engine=engagements_engine) as client:
        yield client
