"""The administration pages in-process: a person without the admin role gets the 403 page, whatever
the section and the method (a POST with a valid CSRF token included), and the API is never asked."""

from __future__ import annotations

import pytest

from gateway.tests.conftest import add_user
from gateway.tests.web.conftest import hidden, log_in

SECTIONS = ("/admin", "/admin/users", "/admin/keys", "/admin/webhooks", "/admin/import")


@pytest.mark.parametrize("path", SECTIONS)
def test_an_officer_gets_the_403_page(web_client, path):
    log_in(web_client)
    page = web_client.get(path)
    assert page.status_code == 403
    assert "Accès refusé" in page.text and 'href="/admin"' not in page.text


@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/users/admin/disable", "/admin/keys", "/admin/keys/abc/revoke", "/admin/import"]
)
def test_an_officer_cannot_act_even_with_a_valid_form(web_client, path):
    log_in(web_client)
    csrf = hidden(web_client.get("/").text, "csrf_token")
    answer = web_client.post(path, data={"csrf_token": csrf, "username": "x", "role": "admin", "name": "k"})
    assert answer.status_code == 403 and "Accès refusé" in answer.text


def test_an_admins_post_without_its_csrf_token_is_refused(web_client, gateway_engine):
    add_user(gateway_engine, "admin.web", ["admin"])
    log_in(web_client, "admin.web")
    refused = web_client.post("/admin/users", data={"username": "x", "csrf_token": "forged"})
    assert refused.status_code == 403 and "Accès refusé" not in refused.text  # the CSRF refusal, not the role's


def test_not_logged_in_goes_to_the_login_page(web_client):
    answer = web_client.get("/admin/users", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=/admin/users")


def test_an_import_file_is_refused_beside_its_field_when_missing_or_too_large(web_client, gateway_engine):
    from gateway.web.routes.admin_import import MAX_BYTES

    add_user(gateway_engine, "admin.web", ["admin"])
    log_in(web_client, "admin.web")
    csrf = hidden(web_client.get("/").text, "csrf_token")
    empty = web_client.post("/admin/import", data={"csrf_token": csrf}, files={"file": ("p.csv", b"", "text/csv")})
    assert empty.status_code == 422 and 'id="f-file-error"' in empty.text and "Choisissez un fichier CSV." in empty.text
    big = web_client.post(
        "/admin/import", data={"csrf_token": csrf}, files={"file": ("p.csv", b"x" * (MAX_BYTES + 1), "text/csv")}
    )
    assert big.status_code == 413 and "Le fichier dépasse 19 Mo" in big.text
