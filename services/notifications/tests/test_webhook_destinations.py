"""Webhooks reach public addresses only (issue 10, defect 5: server-side request forgery): refused when
created and again at every send, after resolving the name once and connecting to the address checked."""

import asyncio
import socket
from ipaddress import ip_address, ip_network

import pytest
from sqlalchemy import select

from services.notifications.app import create_app
from services.notifications.channels.destinations import RefusedDestination, WebhookGuard, why_refused
from services.notifications.channels.webhook import verify
from services.notifications.dispatcher import Dispatcher
from services.notifications.models import Delivery, DeliveryAttempt, Webhook
from services.notifications.settings import NotificationsSettings
from services.notifications.tests.conftest import INTEGRATION
from services.notifications.tests.test_api import HOOK, count
from services.notifications.tests.test_dispatcher import SECRET, add_webhook, delivery, queue
from tests.support.apps import service_client, unit_settings
from tests.support.identity import SignedAs
from tests.support.webhooks import WebhookReceiver

LOOPBACK = [ip_network("127.0.0.0/8")]
PUBLIC = "93.184.216.34"

REFUSED = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "fd00:ec2::254",
    "fe80::1",
    "0.0.0.0",  # noqa: S104 (an address refused, not bound)
    "::",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "255.255.255.255",
    "100.64.0.1",
    "192.0.2.1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",  # NAT64 for 10.0.0.1
    "2002:7f00:1::1",  # 6to4 for 127.0.0.1
    "fc00::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_internal_addresses_are_refused(address):
    assert why_refused(ip_address(address)) is not None


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert why_refused(ip_address(address)) is None


def test_the_allow_list_lets_only_its_networks_through():
    assert why_refused(ip_address("127.0.0.1"), LOOPBACK) is None
    assert why_refused(ip_address("::ffff:127.0.0.1"), LOOPBACK) is None
    assert why_refused(ip_address("::1"), LOOPBACK) is not None
    assert why_refused(ip_address("10.0.0.1"), LOOPBACK) is not None


def test_the_metadata_addresses_are_named_as_such():
    assert "metadata" in why_refused(ip_address("169.254.169.254"))
    assert "metadata" in why_refused(ip_address("fd00:ec2::254"))


INTERNAL_URLS = [
    "http://127.0.0.1:8001/api/v1/partners",
    "http://localhost:8001/",
    "http://127.1/",  # 127.0.0.1 in inet_aton's short form
    "http://[::1]:8002/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://0.0.0.0:8003/",
    "http://10.0.0.5/hook",
    "https://192.168.0.1/hook",
    "http://2130706433/",  # 127.0.0.1 as one number
    "http://0x7f.1/",  # 127.0.0.1 in inet_aton's short hex form
    "http://[::ffff:127.0.0.1]/",
    "http://user:pass@127.0.0.1/",
]


@pytest.mark.parametrize("url", INTERNAL_URLS)
def test_a_webhook_aimed_at_an_internal_address_is_a_422_and_nothing_is_stored(client, notifications_engine, url):
    response = client.post("/api/v1/webhooks", json=HOOK | {"url": url}, auth=SignedAs(INTEGRATION))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "public addresses only" in response.json()["detail"]
    assert count(notifications_engine, Webhook) == 0


def test_a_name_that_does_not_resolve_yet_is_accepted_and_checked_at_send_time(client):
    response = client.post("/api/v1/webhooks", json=HOOK, auth=SignedAs(INTEGRATION))  # bi.example.test
    assert response.status_code == 201, response.text


def test_the_allow_list_setting_admits_a_loopback_receiver(settings, notifications_engine, clock):
    allowed = settings.model_copy(update={"webhook_allowed_networks": LOOPBACK})
    with service_client(create_app, allowed, caller=INTEGRATION, engine=notifications_engine, clock=clock) as client:
        assert client.post("/api/v1/webhooks", json=HOOK | {"url": "http://127.0.0.1:9/"}).status_code == 201
        assert client.post("/api/v1/webhooks", json=HOOK | {"url": "http://[::1]:9/"}).status_code == 422


def test_the_allow_list_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LIAISON_NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS", '["127.0.0.0/8", "::1/128"]')
    settings = unit_settings(NotificationsSettings)
    assert settings.webhook_allowed_networks == [ip_network("127.0.0.0/8"), ip_network("::1/128")]
    monkeypatch.setenv("LIAISON_NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS", '["not a network"]')
    with pytest.raises(ValueError, match="webhook_allowed_networks"):
        unit_settings(NotificationsSettings)
    monkeypatch.delenv("LIAISON_NOTIFICATIONS_WEBHOOK_ALLOWED_NETWORKS")
    assert unit_settings(NotificationsSettings).webhook_allowed_networks == [], "nothing internal by default"


# --- at send time --------------------------------------------------------------------------------


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


class Resolver:
    """A DNS that answers each name from a script (one answer per lookup), and counts the lookups."""

    def __init__(self, **answers: list[str]) -> None:
        self.answers = {name.replace("_", "."): list(values) for name, values in answers.items()}
        self.lookups: list[str] = []

    def __call__(self, host, port, *args, **kwargs):
        self.lookups.append(host)
        script = self.answers.get(host)
        if not script:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        address = script.pop(0) if len(script) > 1 else script[0]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]


def send(sessions, settings, clock, hook, guard) -> Delivery:
    [delivery_id] = queue(sessions, clock, hook=hook)
    asyncio.run(Dispatcher(sessions=sessions, settings=settings, clock=clock, guard=guard).run_once())
    return delivery(sessions, delivery_id)


def test_a_stored_webhook_that_resolves_to_loopback_is_never_sent_and_fails_at_once(
    sessions, settings, clock, receiver
):
    """A webhook made before this check, or whose name now resolves inside: refused, not retried."""
    hook = add_webhook(sessions, f"http://localhost:{receiver.port}/inside")
    sent = send(sessions, settings, clock, hook, WebhookGuard())
    assert sent.status == "failed" and sent.attempts == 1
    assert "destination refused" in sent.last_error and "loopback" in sent.last_error
    assert receiver.at("/inside") == []


def test_a_name_rebound_to_an_internal_address_after_creation_is_refused_at_send_time(
    sessions, settings, clock, receiver
):
    resolver = Resolver(hooks_example_test=[PUBLIC, "127.0.0.1"])
    guard = WebhookGuard(getaddrinfo=resolver)
    url = f"http://hooks.example.test:{receiver.port}/rebound"
    guard.check_url(url)  # at creation, the name answered a public address
    sent = send(sessions, settings, clock, add_webhook(sessions, url), guard)
    assert sent.status == "failed" and "127.0.0.1 is a loopback address" in sent.last_error
    assert receiver.at("/rebound") == []


def test_the_send_connects_to_the_address_it_checked_with_the_name_in_host(sessions, settings, clock, receiver):
    """One lookup per send; the connection goes to its answer, so a second, different answer (the
    rebinding trick: public for the check, internal for the connection) is never asked for."""
    resolver = Resolver(hooks_example_test=["127.0.0.1", "10.0.0.1"])
    guard = WebhookGuard(allowed=LOOPBACK, getaddrinfo=resolver)
    hook = add_webhook(sessions, f"http://hooks.example.test:{receiver.port}/named?x=1")
    sent = send(sessions, settings, clock, hook, guard)
    assert sent.status == "sent", sent.last_error
    assert resolver.lookups == ["hooks.example.test"]
    [got] = receiver.wait_for("/named?x=1")
    assert got.headers["host"] == f"hooks.example.test:{receiver.port}"
    verify(got.headers["liaison-signature"], got.body, secret=SECRET)


def test_a_name_with_one_internal_address_among_public_ones_is_refused():
    guard = WebhookGuard(
        getaddrinfo=lambda host, port, **_: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.1", port)),
        ]
    )
    with pytest.raises(RefusedDestination, match=r"10\.0\.0\.1 is a private address"):
        guard.resolve("https://hooks.example.test/x")


def test_https_keeps_the_name_for_sni_and_the_certificate_check():
    guard = WebhookGuard(getaddrinfo=Resolver(hooks_example_test=[PUBLIC]))
    destination = guard.resolve("https://hooks.example.test/in?q=1")
    assert destination.url == f"https://{PUBLIC}/in?q=1"
    assert destination.host_header == "hooks.example.test" and destination.sni_hostname == "hooks.example.test"
    six = WebhookGuard(getaddrinfo=Resolver(hooks_example_test=["2606:4700:4700::1111"]))
    destination = six.resolve("http://u:p@hooks.example.test:8080/")
    assert destination.url == "http://u:p@[2606:4700:4700::1111]:8080/"
    assert destination.host_header == "hooks.example.test:8080" and destination.sni_hostname is None


def test_an_unresolvable_name_is_retried_like_any_failure(sessions, settings, clock):
    hook = add_webhook(sessions, "https://nowhere.example.test/x")
    sent = send(sessions, settings, clock, hook, WebhookGuard(getaddrinfo=Resolver()))
    assert sent.status == "pending" and sent.attempts == 1 and "does not resolve" in sent.last_error
    with sessions() as session:
        assert len(session.scalars(select(DeliveryAttempt)).all()) == 1


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    """A certificate for `name` only (no IP address in it), and its key, as PEM files."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


def test_over_https_the_name_is_sent_as_sni_and_the_certificate_is_checked_against_it(
    sessions, settings, clock, tmp_path
):
    """The connection goes to the checked address, yet TLS still proves it is the named receiver."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import httpx

    cert, key = self_signed(tmp_path, "hooks.example.test")
    seen: dict[str, str | None] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen["host"] = self.headers.get("host")
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server_context.sni_callback = lambda sock, name, context: seen.__setitem__("sni", name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    client_context = ssl.create_default_context(cafile=cert)
    guard = WebhookGuard(allowed=LOOPBACK, getaddrinfo=Resolver(hooks_example_test=["127.0.0.1"]))
    try:
        http = httpx.AsyncClient(verify=client_context, follow_redirects=False)
        hook = add_webhook(sessions, f"https://hooks.example.test:{port}/tls")
        [delivery_id] = queue(sessions, clock, hook=hook)
        dispatcher = Dispatcher(sessions=sessions, settings=settings, clock=clock, guard=guard, http=http)
        asyncio.run(dispatcher.run_once())
        assert delivery(sessions, delivery_id).status == "sent", delivery(sessions, delivery_id).last_error
        assert seen == {"sni": "hooks.example.test", "host": f"hooks.example.test:{port}"}
        # A certificate for another name fails, though the address is the same.
        other = add_webhook(sessions, f"https://other.example.test:{port}/tls")
        [refused_id] = queue(sessions, clock, hook=other, trigger="e2")
        guard = WebhookGuard(allowed=LOOPBACK, getaddrinfo=Resolver(other_example_test=["127.0.0.1"]))
        dispatcher = Dispatcher(sessions=sessions, settings=settings, clock=clock, guard=guard, http=http)
        asyncio.run(dispatcher.run_once())
        failed = delivery(sessions, refused_id)
        assert failed.status == "pending" and "certificate" in failed.last_error.lower(), failed.last_error
    finally:
        server.shutdown()
        server.server_close()
