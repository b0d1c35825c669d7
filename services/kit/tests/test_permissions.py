"""One check for roles everywhere: the caller, or Forbidden naming the roles that would do."""

import pytest

from services.kit.identity import Caller
from services.kit.permissions import ensure, ensure_party
from services.kit.problems import Forbidden
from services.kit.roles import ASSIGNABLE, EDITORS, READERS, STAFF, Role


def test_a_caller_with_one_of_the_roles_passes_and_one_without_is_refused():
    officer = Caller("olivia", frozenset({Role.OFFICER.value}))
    assert ensure(officer, EDITORS, "Changing the directory") is officer
    with pytest.raises(Forbidden) as refused:
        ensure(Caller("vic", frozenset({"viewer"})), EDITORS, "Changing the directory")
    assert refused.value.status == 403
    assert refused.value.detail == "Changing the directory needs one of the roles: admin, officer."
    assert refused.value.extensions == {"required_roles": ["admin", "officer"]}


def test_the_groups_are_plain_role_names():
    assert {"viewer", "officer", "admin", "integration"} == READERS and READERS - {"integration"} == STAFF
    assert ASSIGNABLE == ("viewer", "officer", "admin", "integration")
    assert all(type(role) is str for role in READERS), "they print as themselves in messages"


def test_a_rule_on_the_data_lets_in_the_owner_its_parties_and_admins_only():
    record = {"owner": "olivia", "parties": ["paul"], "action": "change it"}
    for user, roles in (("olivia", {"officer"}), ("paul", {"officer"}), ("ada", {"admin"})):
        caller = Caller(user, frozenset(roles))
        assert ensure_party(caller, **record) is caller
    with pytest.raises(Forbidden) as refused:
        ensure_party(Caller("oscar", frozenset({"officer"})), **record, fields=["officers"])
    assert refused.value.detail == "Only its author, the people listed on it or an admin may change it."
    assert refused.value.extensions == {"fields": ["officers"]}
    with pytest.raises(Forbidden):
        ensure_party(Caller("paul", frozenset({"officer"})), owner="olivia", action="delete it")
