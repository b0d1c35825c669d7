"""Who may do what: the one check every service makes (the roles themselves are in `kit/roles.py`).

The gateway's policy table (`gateway/policy.py`) refuses a caller without one of a route's roles;
each service checks again (defence in depth) with `require(...)` on its routes (`kit/edge.py`)
or, for a rule that depends on the data, `ensure(...)` in its service code. Either way a refusal
is a `Forbidden` problem (403) naming the roles that would do.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.kit.identity import Caller
from services.kit.problems import Forbidden


def ensure(caller: Caller, allowed: Iterable[str], action: str) -> Caller:
    """The caller, if they hold one of `allowed`; otherwise Forbidden ("`action` needs one of ...")."""
    needed = sorted(str(role) for role in allowed)
    if not caller.has_any(*needed):
        raise Forbidden(f"{action} needs one of the roles: {', '.join(needed)}.", required_roles=needed)
    return caller
