import pytest

from services.engagements.app import create_app
from services.engagements.settings import EngagementsSettings
from services.engagements.tests.support import CAST, add_people
from services.kit.db import make_session_factory
from tests.support.apps import service_client, unit_settings


@pytest.fixture
def engagements_engine(new_engine):
    return new_engine("engagements")


@pytest.fixture
def sessions(engagements_engine):
    return make_session_factory(engagements_engine)


@pytest.fixture
def cast(sessions) -> dict[str, object]:
    """The support module's callers as people of the directory copy: their ids by username."""
    return add_people(sessions, *(c.user for c in CAST))


@pytest.fixture
def client(engagements_engine, cast):
    with service_client(create_app, unit_settings(EngagementsSettings), engine=engagements_engine) as client:
        yield client
