"""The partners service's document names what its routes answer beyond the kit's table: an erased
contact's 410 (found by the fuzzer: undocumented), a likely duplicate's or a looping link's 409."""

from services.partners.app import create_app
from services.partners.settings import PartnersSettings
from tests.support.apps import unit_settings


def errors(document: dict, method: str, path: str) -> set[int]:
    return {int(code) for code in document["paths"][path][method]["responses"] if int(code) >= 400}


def test_the_document_names_the_statuses_of_the_services_own_rules(tmp_path):
    document = create_app(unit_settings(PartnersSettings, database_url=f"sqlite:///{tmp_path}/p.db")).openapi()
    for method in ("get", "patch", "delete"):
        assert 410 in errors(document, method, "/api/v1/contacts/{contact_id}"), method
    assert 410 in errors(document, "get", "/api/v1/contacts/{contact_id}/key")
    assert 409 in errors(document, "post", "/api/v1/partners")
    assert 409 in errors(document, "post", "/api/v1/partners/{partner_id}/relationships")
    assert {401, 403, 404, 422} <= errors(document, "get", "/api/v1/partners/{partner_id}")
    assert 409 in errors(document, "post", "/api/v1/partners/{partner_id}/restore"), "a merged partner"
    assert 404 in errors(document, "post", "/api/v1/partners/duplicates/dismissals"), "an unknown partner"
