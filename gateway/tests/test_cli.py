"""`liaison users ...` and `liaison keys ...` against the gateway's database (SQLite and PostgreSQL)."""

import io

import pytest
from sqlmodel import Session, select

from cli.__main__ import main
from gateway.accounts import authenticate, split_key
from gateway.models import ApiKey, User
from services.kit.db import make_engine
from tests.support.gateway import TEST_TOKEN_SECRET
from tests.support.identity import TEST_IDENTITY_SECRET


@pytest.fixture
def database(new_database, monkeypatch):
    url = new_database("gateway")
    monkeypatch.setenv("LIAISON_GATEWAY_DATABASE_URL", url)
    # The commands build the gateway's settings, which refuse to exist without their secrets.
    monkeypatch.setenv("LIAISON_GATEWAY_IDENTITY_SECRET", TEST_IDENTITY_SECRET)
    monkeypatch.setenv("LIAISON_GATEWAY_TOKEN_SECRET", TEST_TOKEN_SECRET)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_users_add_list_and_disable(database, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["users", "add", "olivia", "--role", "officer", "--role", "viewer", "--password-stdin"]) == 0
    assert main(["users", "add", "gen", "--role", "admin"]) == 0
    out = capsys.readouterr().out
    generated = out.split("password, shown this once: ")[1].strip()
    with Session(database) as session:
        assert authenticate(session=session, username="olivia", password="a long enough password") is not None
        assert authenticate(session=session, username="gen", password=generated) is not None
    assert main(["users", "list"]) == 0
    assert "olivia\tofficer,viewer\tactive" in capsys.readouterr().out
    assert main(["users", "disable", "olivia"]) == 0
    with Session(database) as session:
        assert session.exec(select(User).where(User.username == "olivia")).one().disabled


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["users", "add", "olivia", "--role", "officer"], 1, "already exists"),
        (["users", "add", "Bad Name", "--role", "officer"], 2, "username"),
        (["users", "disable", "ghost"], 1, "No user is named 'ghost'"),
        (["keys", "revoke", "nothing"], 1, "No API key"),
    ],
)
def test_bad_commands_say_why_and_change_nothing(database, capsys, argv, code, message):
    main(["users", "add", "olivia", "--role", "officer"])
    capsys.readouterr()
    assert main(argv) == code
    assert message in capsys.readouterr().err
    with Session(database) as session:
        assert [u.username for u in session.exec(select(User))] == ["olivia"]


def test_keys_create_shows_the_key_once_and_revoke_revokes(database, capsys):
    assert main(["keys", "create", "warehouse", "--scope", "read", "--scope", "webhooks"]) == 0
    key = capsys.readouterr().out.split("key, shown this once: ")[1].strip()
    key_id, secret = split_key(key)
    assert main(["keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed and "read,webhooks" in listed and secret not in listed
    assert main(["keys", "revoke", key_id]) == 0
    with Session(database) as session:
        assert session.get(ApiKey, key_id).revoked_at is not None


def test_a_role_outside_the_four_is_refused_by_the_parser(database):
    with pytest.raises(SystemExit):
        main(["users", "add", "x", "--role", "emperor"])
