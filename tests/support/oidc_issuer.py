"""A small OIDC issuer on loopback for tests: authorization code flow with PKCE (S256 only), ID tokens
signed RS256 with a key made for the test, its JWKS. /authorize approves at once, as `next_user`.

    issuer = OidcIssuer().start()
    make_gateway({}, **issuer.gateway_settings())
    ...
    issuer.stop()
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from tests.support.servers import ThreadedServer

CLIENT_ID = "liaison-web"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class OidcIssuer:
    def __init__(self, *, display_name: str = "Ministère SSO") -> None:
        self.display_name = display_name
        self.client_secret = secrets.token_urlsafe(24)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-" + secrets.token_hex(4)
        self.next_user: dict = {"sub": "marie.tremblay", "roles": ["officer"], "name": "Marie Tremblay"}
        self.authorize_requests: list[dict] = []
        self.token_requests: list[dict] = []
        self.tamper_nonce = False
        self._codes: dict[str, dict] = {}
        self.server = ThreadedServer(self._app())

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> OidcIssuer:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def gateway_settings(self) -> dict[str, str]:
        return {
            "oidc_issuer": self.url,
            "oidc_jwks_url": self.url + "/jwks",
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": self.client_secret,
            "oidc_authorize_url": self.url + "/authorize",
            "oidc_token_url": self.url + "/token",
            "oidc_display_name": self.display_name,
        }

    def _id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-nonce" if self.tamper_nonce else grant["nonce"],
            **grant["user"],
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/authorize")
        async def authorize(request: Request):
            params = dict(request.query_params)
            self.authorize_requests.append(params)
            if (
                params.get("response_type") != "code"
                or params.get("client_id") != CLIENT_ID
                or params.get("code_challenge_method") != "S256"
                or not params.get("code_challenge")
            ):
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            code = secrets.token_urlsafe(16)
            self._codes[code] = {
                "challenge": params["code_challenge"],
                "redirect_uri": params["redirect_uri"],
                "nonce": params.get("nonce"),
                "user": dict(self.next_user),
            }
            query = urlencode({"code": code, "state": params.get("state", "")})
            return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

        @app.post("/token")
        async def token(request: Request):
            form = dict(await request.form())
            self.token_requests.append(form)
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{self.client_secret}".encode()).decode()
            if request.headers.get("authorization") != expected:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            grant = self._codes.pop(form.get("code", ""), None)  # a code works once
            if (
                form.get("grant_type") != "authorization_code"
                or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"]
                or s256(form.get("code_verifier", "")) != grant["challenge"]
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self._id_token(grant),
            }

        @app.get("/jwks")
        async def jwks():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return {"keys": [jwk | {"kid": self.kid, "use": "sig", "alg": "RS256"}]}

        return app
