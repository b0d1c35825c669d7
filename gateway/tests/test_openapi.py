"""One OpenAPI document, merged from the services' own and the gateway's routes."""

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from gateway.openapi import merge
from gateway.tests.stubs import engagements_stub, partners_stub
from tests.support.ports import free_port


def test_the_merged_document_has_every_services_routes_and_the_gateways(make_gateway):
    down = httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}")
    gateway = make_gateway({"partners": partners_stub([]), "engagements": engagements_stub([]), "notifications": down})
    response = gateway.get("/api/v1/openapi.json")  # public: no credential needed
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]
    assert "/api/v1/partners/{partner_id}" in paths and "/api/v1/partners/{partner_id}/contacts" in paths
    assert "/api/v1/partners/{partner_id}/history" in paths and "/api/v1/follow-ups" in paths
    for own in (
        "/api/v1/auth/token",
        "/api/v1/users",
        "/api/v1/keys/{key_id}",
        "/api/v1/partners/{partner_id}/overview",
        "/api/v1/partners/{partner_id}/briefing",
    ):
        assert own in paths, own
    assert not any(path.startswith(("/healthz", "/readyz", "/openapi")) for path in paths)
    assert document["x-liaison-missing"] == ["notifications"]
    assert "notifications" in document["info"]["description"]
    assert {"bearer", "apiKey"} <= set(document["components"]["securitySchemes"])


def test_the_docs_page_points_at_the_merged_document(make_gateway):
    html = make_gateway({}).get("/docs").text
    assert "/api/v1/openapi.json" in html


def test_a_service_back_up_appears_in_the_document_again(make_gateway):
    gateway = make_gateway({"partners": httpx.AsyncClient(base_url=f"http://127.0.0.1:{free_port()}")})
    runtime = gateway.app.runtime
    assert gateway.get("/api/v1/openapi.json").json()["x-liaison-missing"] == ["partners"]
    from gateway.tests.conftest import asgi_client
    from gateway.upstream import CircuitBreaker, HttpxUpstream

    runtime.upstreams["partners"] = HttpxUpstream(
        "partners", asgi_client(partners_stub([])), retries=0, breaker=CircuitBreaker(failures=5, reset_seconds=1)
    )
    runtime.openapi.upstreams = runtime.upstreams
    runtime.openapi.built_at -= 10  # the missing part is retried after a few seconds
    assert gateway.get("/api/v1/openapi.json").json()["x-liaison-missing"] == []


def test_same_named_schemas_of_different_shapes_are_both_kept():
    def service(field: str) -> dict:
        app = FastAPI()
        model = type("Summary", (BaseModel,), {"__annotations__": {field: str}})

        @app.get(f"/api/v1/{'partners' if field == 'a' else 'engagements'}", response_model=model)
        def route():
            return None

        return app.openapi()

    merged = merge(
        {"paths": {}, "info": {"version": "1"}},
        {"partners": service("a"), "engagements": service("b")},
        owner_of=lambda m, p: "partners" if "partners" in p else "engagements",
    )
    schemas = merged["components"]["schemas"]
    assert ("Summary" in schemas and "partners.Summary" in schemas) or "engagements.Summary" in schemas
    refs = {
        op["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        for op in merged["paths"].values()
    }
    assert len(refs) == 2


def test_every_operation_documents_what_the_front_door_answers(make_gateway):
    from gateway.policy import DEFAULT_POLICY, GATEWAY

    gateway = make_gateway({"partners": partners_stub([]), "engagements": engagements_stub([])})
    paths = gateway.get("/api/v1/openapi.json").json()["paths"]

    def errors(path: str, method: str) -> set[int]:
        """The error statuses documented; those the gateway adds (the stubs are plain FastAPI) are problem+json."""
        responses = paths[path][method]["responses"]
        ours = DEFAULT_POLICY.match(method.upper(), path).rule.target == GATEWAY
        for code, response in responses.items():
            if int(code) in (401, 403, 413, 429, 502, 503, 504) or (ours and int(code) >= 400):
                assert list(response["content"]) == ["application/problem+json"], (path, method, code)
        return {int(code) for code in responses if int(code) >= 400}

    proxied = 0
    for path, operations in paths.items():
        for method, operation in operations.items():
            rule = DEFAULT_POLICY.match(method.upper(), path).rule
            found = errors(path, method)
            assert {401, 429} <= found, (path, method)
            if not rule.public:
                assert 403 in found, (path, method)
            if "requestBody" in operation:
                assert 413 in found, (path, method)
            if rule.target != GATEWAY:
                proxied += 1
                assert {502, 503, 504} <= found, (path, method)
    assert proxied
    # The gateway's own public login: no 403, no upstream, but its own refusals.
    assert errors("/api/v1/auth/token", "post") == {400, 401, 413, 422, 429}
    assert {400, 403, 404, 412, 428} <= errors("/api/v1/users/{username}", "patch")
