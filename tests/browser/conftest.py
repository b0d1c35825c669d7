"""Browser tests: Debian's chromium driven by Playwright, against the real processes (Kafka, PostgreSQL,
the three services and the gateway), started once for the session.

Fixtures:
  web_system      {"url", "admin" (bearer headers), "processes", "issuer"}: the running system
  oidc_issuer     the loopback OIDC issuer the gateway offers ("Se connecter avec Ministère SSO")
  chromium        the browser (the system's /usr/bin/chromium; Playwright downloads none)
  api             an httpx client on the gateway's API as the admin (base URL .../api/v1)
  make_user       make_user("officer") -> WebUser(username, password, roles), created through the API
  officer         an officer made once for the session
  login_as        login_as(page, user): logs in through the login form
  new_page        a fresh page (own cookies), not logged in
  page            a fresh page logged in as `officer`
  shoot           shoot(page, "home") -> var/screenshots/home-<lang>.png
  assert_no_axe_violations(page)   axe-core (vendored) finds nothing on the page
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.people import wait_until_known
from tests.support.system import SERVICES, start_system, stop_system

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.processes]

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LIAISON_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# The network is closed and the browser must not phone home; as root it cannot sandbox itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
]
# Tight enough for a test to notice a hung page, loose enough for 2 cores shared with other work.
DEFAULT_TIMEOUT_MS = 30_000
ATTACHMENT_MAX_BYTES = 1024 * 1024  # the engagements service's limit in this system


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            for mark in pytestmark:
                item.add_marker(mark)


@dataclass(frozen=True)
class WebUser:
    username: str
    password: str
    roles: tuple[str, ...]


@pytest.fixture(scope="session")
def oidc_issuer():
    """The ministry's single sign-on, as a small issuer on loopback: the login page offers it."""
    from tests.support.oidc_issuer import OidcIssuer

    issuer = OidcIssuer().start()
    yield issuer
    issuer.stop()


# Package scope: the system stops after the last browser test. Its services consume the session's
# topics in the services' own consumer groups, so, left running, they would take events meant for the
# systems that later tests start on the same broker.
@pytest.fixture(scope="package")
def web_system(kafka_broker, pg_cluster, oidc_issuer, tmp_path_factory):
    databases = {
        name: pg_cluster.create_database(f"web_{name}_{uuid.uuid4().hex[:6]}") for name in (*SERVICES, "gateway")
    }
    system = start_system(
        kafka=kafka_broker,
        database_urls=databases,
        logs=tmp_path_factory.mktemp("web-logs"),
        # A failing webhook's five attempts in a second or two, not half a minute (the admin's replay test).
        LIAISON_NOTIFICATIONS_RETRY_BASE_SECONDS="0.1",
        LIAISON_NOTIFICATIONS_RETRY_MAX_SECONDS="0.5",
        # Files in the test's own folder, and a limit a browser test can send a file over.
        LIAISON_ENGAGEMENTS_ATTACHMENT_DIR=str(tmp_path_factory.mktemp("engagement-files")),
        LIAISON_ENGAGEMENTS_ATTACHMENT_MAX_BYTES=str(ATTACHMENT_MAX_BYTES),
        # A browser asks for much at once; the per-user limits are not what these tests are about.
        gateway_settings={
            "RATE_LIMIT_PER_SECOND": "500",
            "RATE_LIMIT_BURST": "1000",
            **{name.upper(): value for name, value in oidc_issuer.gateway_settings().items()},
        },
    )
    wait_until_known(databases["engagements"], "admin")  # named assignee by partner_data.py's follow-ups
    yield {
        "url": system["gateway"],
        "admin": system["admin"],
        "processes": system["processes"],
        "issuer": oidc_issuer.url,
        "databases": databases,
    }
    stop_system(system)


@pytest.fixture(scope="package")
def api(web_system):
    with httpx.Client(base_url=web_system["url"] + "/api/v1", headers=web_system["admin"], timeout=30) as client:
        yield client


@pytest.fixture(scope="package")
def make_user(api, web_system):
    def make(role: str = "officer", *roles: str, username: str | None = None, display_name: str | None = None):
        all_roles = tuple(sorted({role, *roles}))
        user = WebUser(username or f"{role}-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}", all_roles)
        body = {"username": user.username, "password": user.password, "roles": list(all_roles)}
        if display_name:
            body["display_name"] = display_name
        api.post("/users", json=body).raise_for_status()
        # Named officer or assignee at once, they must be known to the engagements service already.
        wait_until_known(web_system["databases"]["engagements"], user.username)
        return user

    return make


@pytest.fixture(scope="package")
def officer(make_user):
    return make_user("officer", display_name="Camille Tremblay")


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run infra/system-packages.sh (it installs Debian's chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium, web_system):
    context = chromium.new_context(base_url=web_system["url"], locale="fr-CA", timezone_id="America/Toronto")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    # Nothing may leave the machine: a request to anywhere but the gateway (or the test's sign-on
    # issuer) fails the page, and is noted.
    outside: list[str] = []
    allowed = (web_system["url"] + "/", web_system["issuer"] + "/", "data:")

    def only_the_gateway(route):
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_gateway)
    page = context.new_page()
    page.outside_requests = outside
    yield page
    context.close()


@pytest.fixture
def login_as():
    def log_in(page, user: WebUser, next_path: str = "/") -> None:
        page.goto(f"/login?next={next_path}")
        page.locator("#f-username").fill(user.username)
        page.locator("#f-password").fill(user.password)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)

    return log_in


def session_cookie(base_url: str, user: WebUser) -> dict:
    """A web session opened through the login form's own POST (CSRF token and all), without the browser
    rendering the login page and the home page it redirects to: the login flow has tests of its own."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, "the login form carries a CSRF token"
        done = client.post(
            "/login", data={"username": user.username, "password": user.password, "csrf_token": token.group(1)}
        )
        assert done.status_code == 303, done.text
        value = client.cookies.get("liaison_session")
    assert value, "the login set a session cookie"
    return {"name": "liaison_session", "value": value, "url": base_url, "httpOnly": True, "sameSite": "Lax"}


@pytest.fixture
def page(new_page, officer, web_system):
    new_page.context.add_cookies([session_cookie(web_system["url"], officer)])
    return new_page


@pytest.fixture(scope="session")
def shoot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        lang = page.locator("html").get_attribute("lang") or "xx"
        path = SCREENSHOTS / f"{name}-{lang}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def axe_violations(page, rules: dict | None = None) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.1 A and AA, plus best practices)."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}}
    if rules:
        options["rules"] = rules
    result = page.evaluate("async (options) => await window.axe.run(document, options)", options)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {' '.join(map(str, n['target']))}: {n['failureSummary']}" for n in violation["nodes"])
    return "\n".join(lines)


@pytest.fixture(scope="session")
def assert_no_axe_violations():
    def check(page, rules: dict | None = None) -> None:
        violations = axe_violations(page, rules)
        assert violations == [], f"axe-core on {page.url}:\n{describe(violations)}\n" + json.dumps(
            [v["id"] for v in violations]
        )

    return check
