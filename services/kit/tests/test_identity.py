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


def test_outside_development_a_secret_is_required():
    with pytest.raises(ValidationError, match="identity_secret must be set"):
        PartnersSettings(environment="production")
    with pytest.raises(ValidationError, match="at least 16"):
        PartnersSettings(environment="production", identity_secret="short")
    assert PartnersSettings(environment="production", identity_secret=SECRET).identity_key() == SECRET


def test_development_has_a_default_secret_so_make_up_needs_no_setup():
    assert PartnersSettings(environment="development").identity_key()
