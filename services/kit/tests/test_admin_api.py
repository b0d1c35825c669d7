"""The operations routes refuse a number past what the outbox or Kafka can hold as no row (422), before
the database sees it: PostgreSQL answered "integer out of range" and the route a 500 (found by the
fuzzer, tests/attack/test_fuzz.py)."""

import pytest

from services.kit.identity import Caller
from services.partners.app import create_app
from services.partners.settings import PartnersSettings
from tests.support.apps import service_client, unit_settings

ADMIN = Caller(user="admin@example.test", roles=frozenset({"admin"}))


@pytest.mark.parametrize("action", ["retry", "skip"])
@pytest.mark.parametrize("row_id", [2**31, 10**20, 0])
def test_an_outbox_row_id_out_of_range_is_refused_not_a_server_error(new_engine, action, row_id):
    with service_client(
        create_app, unit_settings(PartnersSettings), engine=new_engine("partners"), caller=ADMIN
    ) as client:
        response = client.post(f"/api/v1/admin/partners/outbox/{row_id}/{action}")
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert client.post(f"/api/v1/admin/partners/outbox/{2**31 - 1}/{action}").status_code == 404
