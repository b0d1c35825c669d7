import pytest
from pydantic import ValidationError

from services.kit.identity import Caller, IdentityError, sign, verify
from services.partners.settings import PartnersSettings

SECRET = "s3cret-s3cret-s3cret"
ALICE = Caller(user="alice", roles=frozenset({"officer", "viewer"}))
REQUEST = {"method": "GET", "path": "/api/v1/partners/1", "query": "q=caf%C3%A9&x=1"}


def signed(**changes):
    return sign(ALICE, secret=SECRET, now=1_000_000, **REQUEST) | changes


def test_a_signed_identity_verifies_to_the_same_caller():
    assert verify(signed(), secret=SECRET, now=1_000_010, **REQUEST) == ALICE


@pytest.mark.parametrize(
    "change",
    [
        {"method": "POST"},
        {"path": "/api/v1/partners/2"},
        {"query": "q=cafe&x=1"},
        {"query": ""},
    ],
)
def test_an_identity_does_not_verify_on_another_request_line(change):
    with pytest.raises(IdentityError, match="signature"):
        verify(signed(), secret=SECRET, now=1_000_010, **(REQUEST | change))


@pytest.mark.parametrize("forged", [{"x-liaison-user": "mallory"}, {"x-liaison-roles": "admin,officer,viewer"}])
def test_a_changed_user_or_role_is_caught(forged):
    with pytest.raises(IdentityError, match="signature"):
        verify(signed(**forged), secret=SECRET, now=1_000_010, **REQUEST)


def test_another_secret_is_caught():
    with pytest.raises(IdentityError, match="signature"):
        verify(signed(), secret="another-secret-entirely", now=1_000_010, **REQUEST)


@pytest.mark.parametrize("now", [1_000_061, 999_939])
def test_a_stale_or_future_identity_is_refused(now):
    with pytest.raises(IdentityError, match="too old"):
        verify(signed(), secret=SECRET, now=now, **REQUEST)


def test_missing_headers_are_named():
    headers = signed()
    del headers["x-liaison-signature"]
    with pytest.raises(IdentityError, match="x-liaison-signature"):
        verify(headers, secret=SECRET, **REQUEST)


def test_a_garbled_timestamp_is_refused():
    with pytest.raises(IdentityError, match="not a number"):
        verify(signed(**{"x-liaison-identity-time": "soon"}), secret=SECRET, **REQUEST)


def test_roles_survive_the_round_trip_as_a_set():
    caller = verify(signed(), secret=SECRET, now=1_000_000, **REQUEST)
    assert caller.has_any("officer") and not caller.is_admin


@pytest.mark.parametrize("environment", ["development", "test", "production"])
def test_every_environment_needs_its_secrets_and_none_has_a_default(environment, monkeypatch):
    for name in ("LIAISON_PARTNERS_IDENTITY_SECRET", "LIAISON_PARTNERS_KAFKA_SASL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError) as refused:
        PartnersSettings(environment=environment)
    assert "LIAISON_PARTNERS_IDENTITY_SECRET is not set" in str(refused.value)
    assert "LIAISON_PARTNERS_KAFKA_SASL_PASSWORD is not set" in str(refused.value), "all that is missing, at once"
    with pytest.raises(ValidationError, match="at least 32"):
        PartnersSettings(environment=environment, identity_secret="short", kafka_enabled=False)
    secret = "a" * 32
    assert (
        PartnersSettings(environment=environment, identity_secret=secret, kafka_enabled=False).identity_key() == secret
    )


def test_the_kafka_connection_is_the_services_own_principal():
    settings = PartnersSettings(identity_secret="i" * 32, kafka_sasl_password="k" * 32, kafka_bootstrap="127.0.0.1:1")
    connection = settings.kafka_connection()
    assert (connection.username, connection.password, connection.mechanism) == ("partners", "k" * 32, "SCRAM-SHA-512")
    assert connection.client_options()["security_protocol"] == "SASL_PLAINTEXT"
    assert "k" * 32 not in repr(connection) and "k" * 32 not in repr(settings)
