"""Each operation documents the error statuses its dependencies and declarations can answer, as
problem+json with the RFC 9457 `Problem` schema; FastAPI's own 422 shape is gone."""

import uuid
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query

from services.kit import openapi_problems
from services.kit.app import CallerDep
from services.kit.edge import ExpectedVersion, IdempotencyDep, require
from services.kit.identity import Caller
from services.kit.openapi_problems import PROBLEM_REF, problems
from services.kit.roles import EDITORS


def document() -> dict:
    app = FastAPI()
    router = APIRouter(prefix="/api/v1", responses=problems(503))
    Editor = Annotated[Caller, require(EDITORS, "Editing")]

    @router.get("/things")
    def list_things(caller: CallerDep, cursor: Annotated[str | None, Query()] = None) -> dict:
        return {}

    @router.patch("/things/{thing_id}", responses=problems(409))
    def change(thing_id: uuid.UUID, caller: Editor, expected: ExpectedVersion) -> dict:
        return {}

    @router.post("/things", status_code=201)
    def add(caller: Editor, idempotency: IdempotencyDep, body: dict) -> dict:
        return {}

    @app.get("/healthz")
    def health() -> dict:
        return {}

    app.include_router(router)
    openapi_problems.install(app)
    return app.openapi()


def statuses(doc: dict, method: str, path: str) -> set[int]:
    return {int(code) for code in doc["paths"][path][method]["responses"] if int(code) >= 400}


def test_statuses_come_from_what_each_route_takes_and_declares():
    doc = document()
    # Every /api route: 401 (identity); a cursor: 400; any input: 422; the router's own: 503.
    assert statuses(doc, "get", "/api/v1/things") == {400, 401, 422, 503}
    # A path parameter: 404; require(): 403; If-Match: 400/412/428; declared: 409.
    assert statuses(doc, "patch", "/api/v1/things/{thing_id}") == {400, 401, 403, 404, 409, 412, 422, 428, 503}
    # Idempotency-Key: 400 malformed, 409 under way, 422 reused; a body: 400 undecodable, 422 invalid.
    assert statuses(doc, "post", "/api/v1/things") == {400, 401, 403, 409, 422, 503}
    assert statuses(doc, "get", "/healthz") == set()


def test_every_error_is_problem_json_with_the_problem_schema():
    doc = document()
    for operations in doc["paths"].values():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert response["content"] == {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}
                    assert response["description"]
    schemas = doc["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["type", "title", "status"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
