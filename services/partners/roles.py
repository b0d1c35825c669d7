"""Who may do what here. The gateway checks the same matrix; the service checks again (defence in depth)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.kit.app import CallerDep
from services.kit.identity import Caller
from services.kit.problems import Problem

READERS = frozenset({"viewer", "integration", "officer", "admin", "service"})
STAFF = frozenset({"viewer", "officer", "admin"})  # people, not integrations: the audit names colleagues
EDITORS = frozenset({"officer", "admin"})
ADMINS = frozenset({"admin"})


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


def _requiring(allowed: frozenset[str], action: str):
    def check(caller: CallerDep) -> Caller:
        if not caller.has_any(*allowed):
            raise Forbidden(
                f"{action} needs one of the roles: {', '.join(sorted(allowed))}.", required_roles=sorted(allowed)
            )
        return caller

    return check


Reader = Annotated[Caller, Depends(_requiring(READERS, "Reading the directory"))]
StaffReader = Annotated[Caller, Depends(_requiring(STAFF, "Reading the audit trail"))]
Editor = Annotated[Caller, Depends(_requiring(EDITORS, "Changing the directory"))]
Admin = Annotated[Caller, Depends(_requiring(ADMINS, "Archiving or merging partners"))]
