"""Every route of the policy table, called with every role and every kind of bad credential.

Allowed means the request got past the gateway's checks: it reached the (echoing) service, or the
gateway's own handler, which may still refuse the empty input (4xx) but never with 401/403.
Denied means 401 (no valid credential) or 403 (valid, wrong role or key scope).
"""

import time
import uuid

import jwt
import pytest

from gateway.policy import POLICY, SCOPE_READ, SCOPE_WEBHOOKS, Rule
from gateway.tests.conftest import ECHO_EVERYWHERE, bearer, gateway_settings, token_for
from tests.support.gateway import TEST_TOKEN_SECRET

ROLE_CREDENTIALS = ("viewer", "officer", "admin", "integration")
BAD_CREDENTIALS = ("none", "expired", "foreign key", "garbage", "admin role in an unsigned token")
KEY_CREDENTIALS = ("key:read", "key:webhooks")


def expired_token() -> str:
    now = int(time.time())
    return jwt.encode(
        {
            "iss": "liaison-gateway",
            "sub": "late",
            "roles": ["admin"],
            "iat": now - 3600,
            "exp": now - 1800,
            "jti": uuid.uuid4().hex,
            "fam": uuid.uuid4().hex,
            "typ": "access",
        },
        TEST_TOKEN_SECRET,
        algorithm="HS256",
    )


def credential_headers(credential: str, keys: dict[str, str]) -> dict[str, str]:
    if credential in ROLE_CREDENTIALS:
        return bearer(token_for(credential))
    if credential in KEY_CREDENTIALS:
        return {"X-API-Key": keys[credential]}
    if credential == "expired":
        return bearer(expired_token())
    if credential == "foreign key":
        other = gateway_settings(token_secret="another-issuers-secret-0123456789abcdef")
        return bearer(token_for("admin", settings=other))
    if credential == "garbage":
        return bearer("not.a.token")
    if credential == "admin role in an unsigned token":
        return bearer(jwt.encode({"sub": "x", "roles": ["admin"]}, key=None, algorithm="none"))
    return {}


def concrete(rule: Rule) -> str:
    path = rule.template
    for placeholder in ("{id}", "{relationship_id}", "{code}", "{username}"):
        path = path.replace(placeholder, str(uuid.uuid4()))
    return "/api/v1" + path.replace("{report:path}", "by-thrust/2026").replace("{feed:path}", "officer.ics")


def expected(rule: Rule, credential: str) -> bool:
    if rule.public:
        return True
    if credential in ROLE_CREDENTIALS:
        return credential in rule.roles
    if credential in KEY_CREDENTIALS:
        return "integration" in rule.roles and rule.key_scope == credential.split(":")[1]
    return False


@pytest.fixture(scope="module")
def matrix_gateway(tmp_path_factory):
    from fastapi.testclient import TestClient

    from gateway.accounts import create_key
    from gateway.app import create_app
    from gateway.schemas import KeyCreate
    from gateway.tests.conftest import asgi_client
    from services.kit.db import make_engine, make_session_factory, unit_of_work
    from tests.support.databases import migrate

    folder = tmp_path_factory.mktemp("matrix")
    engine = make_engine(migrate("gateway", f"sqlite:///{folder}/gateway.db"))
    keys = {}
    for session in unit_of_work(make_session_factory(engine)):
        for scope in (SCOPE_READ, SCOPE_WEBHOOKS):
            keys[f"key:{scope}"] = create_key(
                session=session, data=KeyCreate(name=scope, scopes=[scope]), created_by="admin"
            )[1]
    app = create_app(
        gateway_settings(), engine=engine, clients={name: asgi_client(svc) for name, svc in ECHO_EVERYWHERE.items()}
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, keys
    engine.dispose()


@pytest.mark.parametrize("credential", ROLE_CREDENTIALS + KEY_CREDENTIALS + BAD_CREDENTIALS)
@pytest.mark.parametrize("rule", POLICY, ids=lambda rule: f"{rule.method} {rule.template}")
def test_the_gateway_allows_exactly_what_the_policy_table_says(matrix_gateway, rule, credential):
    client, keys = matrix_gateway
    response = client.request(rule.method, concrete(rule), headers=credential_headers(credential, keys))
    if expected(rule, credential):
        assert response.status_code not in (401, 403, 405, 429), response.text
        assert (
            response.headers.get("content-type") != "application/problem+json"
            or response.json().get("title") != "No such route"
        )
        if rule.target != "gateway":
            assert response.status_code == 207, "the echoing service answered"
    else:
        assert response.status_code == (401 if credential in BAD_CREDENTIALS else 403), response.text
        assert response.headers["content-type"] == "application/problem+json"
        if response.status_code == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")
