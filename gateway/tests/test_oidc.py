"""Single sign-on tokens (RS256 and ES256) checked against a JWKS this test serves over HTTP on loopback."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.tests.conftest import bearer, echo_service

ISSUER = "https://sso.example.test/realms/ministry"
AUDIENCE = "liaison"


class Issuer:
    """Signing keys, and the JWKS document an HTTP server hands out (counting fetches)."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[object, str]] = {}
        self.published: list[str] = []
        self.fetches = 0

    def add_key(self, kid: str, algorithm: str, publish: bool = True) -> None:
        private = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if algorithm == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )
        self.keys[kid] = (private, algorithm)
        if publish:
            self.published.append(kid)

    def jwks(self) -> dict:
        keys = []
        for kid in self.published:
            private, algorithm = self.keys[kid]
            algo = jwt.algorithms.RSAAlgorithm if algorithm == "RS256" else jwt.algorithms.ECAlgorithm
            jwk = json.loads(algo.to_jwk(private.public_key()))
            keys.append(jwk | {"kid": kid, "use": "sig", "alg": algorithm})
        return {"keys": keys}

    def token(self, kid: str, **claims) -> str:
        private, algorithm = self.keys[kid]
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "f0c1d2e3",
            "iat": now,
            "exp": now + 300,
            "preferred_username": "marie.tremblay",
            "realm_access": {"roles": ["crm-officer", "offline"]},
        }
        body.update(claims)
        return jwt.encode(
            {k: v for k, v in body.items() if v is not None}, private, algorithm=algorithm, headers={"kid": kid}
        )


@pytest.fixture
def issuer():
    issuer = Issuer()
    issuer.add_key("k1", "RS256")
    issuer.add_key("k2", "ES256")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            issuer.fetches += 1
            body = json.dumps(issuer.jwks()).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    issuer.url = f"http://127.0.0.1:{server.server_address[1]}/protocol/openid-connect/certs"
    yield issuer
    server.shutdown()
    server.server_close()


@pytest.fixture
def gateway(make_gateway, issuer):
    return make_gateway(
        {"engagements": echo_service},
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=issuer.url,
        oidc_roles_claim="realm_access.roles",
        oidc_role_map={"crm-officer": "officer", "crm-admin": "admin"},
        oidc_jwks_min_refetch_seconds=0,
    )


def call(gateway, token):
    return gateway.get("/api/v1/engagements", headers=bearer(token))


@pytest.mark.parametrize("kid", ["k1", "k2"], ids=["RS256", "ES256"])
def test_a_valid_sso_token_reaches_the_service_as_its_subject_with_mapped_roles(gateway, issuer, kid):
    response = call(gateway, issuer.token(kid))
    assert response.status_code == 207, response.text
    seen = response.json()["headers"]
    assert (seen["x-liaison-user"], seen["x-liaison-roles"]) == ("f0c1d2e3", "officer")


def test_the_user_claim_is_configurable(make_gateway, issuer):
    gateway = make_gateway(
        {"engagements": echo_service},
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=issuer.url,
        oidc_user_claim="preferred_username",
        oidc_roles_claim="groups",
    )
    response = call(gateway, issuer.token("k1", groups="viewer admin-ish"))
    assert response.json()["headers"]["x-liaison-user"] == "marie.tremblay"
    assert response.json()["headers"]["x-liaison-roles"] == "viewer"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "https://evil.example.test"}, "issuer"),
        ({"exp": int(time.time()) - 600}, "expired"),
        ({"exp": None}, "exp"),
    ],
)
def test_tokens_for_another_audience_from_another_issuer_or_expired_are_refused(gateway, issuer, claims, reason):
    response = call(gateway, issuer.token("k1", **claims))
    assert response.status_code == 401
    assert reason in response.json()["detail"].lower() or (reason == "expired" and "expired" in response.text)


def test_a_token_signed_by_a_key_the_issuer_does_not_publish_is_refused(gateway, issuer):
    issuer.add_key("rogue", "RS256", publish=False)
    response = call(gateway, issuer.token("rogue"))
    assert response.status_code == 401 and "no signing key" in response.json()["detail"]


def test_a_token_whose_kid_names_a_published_key_but_was_signed_by_another_is_refused(gateway, issuer):
    issuer.add_key("rogue", "RS256", publish=False)
    forged = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60},
        issuer.keys["rogue"][0],
        algorithm="RS256",
        headers={"kid": "k1"},
    )
    assert call(gateway, forged).status_code == 401


def test_a_new_kid_after_key_rotation_is_fetched_and_a_retired_one_stops_working(gateway, issuer):
    assert call(gateway, issuer.token("k1")).status_code == 207
    fetches = issuer.fetches
    issuer.add_key("k3", "RS256")
    issuer.published.remove("k1")
    assert call(gateway, issuer.token("k3")).status_code == 207
    assert issuer.fetches == fetches + 1
    assert call(gateway, issuer.token("k3")).status_code == 207
    assert issuer.fetches == fetches + 1, "a known kid is served from the cache"
    retired = call(gateway, issuer.token("k1", jti="signed-after-the-rotation"))
    assert retired.status_code == 401, "the refetched JWKS no longer has k1"


def test_unknown_kids_do_not_hammer_the_issuer(make_gateway, issuer):
    gateway = make_gateway(
        {"engagements": echo_service},
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=issuer.url,
        oidc_jwks_min_refetch_seconds=60,
    )
    issuer.add_key("rogue", "RS256", publish=False)
    fetches = issuer.fetches
    for _ in range(5):
        assert call(gateway, issuer.token("rogue")).status_code == 401
    assert issuer.fetches <= fetches + 1


def test_algorithm_confusion_is_refused(gateway, issuer):
    # An HS256 token "signed" with the issuer's public key as the secret must not pass as SSO.
    now = int(time.time())
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60}, key=None, algorithm="none", headers={"kid": "k1"}
    )
    assert call(gateway, unsigned).status_code == 401
    hs = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": now + 60},
        "k" * 40,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    assert call(gateway, hs).status_code == 401


def test_a_token_without_a_known_role_gets_403_not_401(gateway, issuer):
    response = call(gateway, issuer.token("k1", realm_access={"roles": ["offline"]}))
    assert response.status_code == 403


def test_the_gateway_starts_even_when_the_issuer_is_down(make_gateway, issuer):
    from tests.support.ports import free_port

    gateway = make_gateway(
        {"engagements": echo_service},
        oidc_issuer=ISSUER,
        oidc_audience=AUDIENCE,
        oidc_jwks_url=f"http://127.0.0.1:{free_port()}/certs",
    )
    assert gateway.get("/healthz").status_code == 200
    assert call(gateway, issuer.token("k1")).status_code == 401
