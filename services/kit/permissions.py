"""Who may do what: the one check every service makes (the roles themselves are in `kit/roles.py`).

The gateway's policy table (`gateway/policy.py`) refuses a caller without one of a route's roles;
each service checks again (defence in depth) with `require(...)` on its routes (`kit/edge.py`)
or, for a rule that depends on the data, `ensure(...)` in its service code. Either way a refusal
is a `Forbidden` problem (403) naming the roles that would do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.kit.identity import Caller
from services.kit.problems import Forbidden


def ensure(caller: Caller, allowed: Iterable[str], action: str) -> Caller:
    """The caller, if they hold one of `allowed`; otherwise Forbidden ("`action` needs one of ...")."""
    needed = sorted(str(role) for role in allowed)
    if not caller.has_any(*needed):
        raise Forbidden(f"{action} needs one of the roles: {', '.join(needed)}.", required_roles=needed)
    return caller


def ensure_party(caller: Caller, *, owner: str, parties: Iterable[str] = (), action: str, **extensions: Any) -> Caller:
    """The caller, if an admin, the record's `owner` (its author) or one of its `parties` (e.g. the
    officers listed on it); otherwise Forbidden. The rule for data a role alone does not settle:
    callers judge it on the record as it was before the change, never as the change would leave it."""
    if caller.is_admin or caller.user == owner or caller.user in set(parties):
        return caller
    who = "its author or an admin" if not parties else "its author, the people listed on it or an admin"
    raise Forbidden(f"Only {who} may {action}.", **extensions)
