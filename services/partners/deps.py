"""What the partners routes share: who may call them (the gateway checks the same; the service
checks again, defence in depth) and their common parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from services.kit.edge import require
from services.kit.identity import Caller
from services.kit.roles import ADMINS, EDITORS, READERS, STAFF, Role, roles
from services.partners.listing import MAX_LIMIT

Reader = Annotated[Caller, require(READERS | roles(Role.SERVICE), "Reading the directory")]
StaffReader = Annotated[Caller, require(STAFF, "Reading the audit trail")]  # the audit names colleagues
Editor = Annotated[Caller, require(EDITORS, "Changing the directory")]
Admin = Annotated[Caller, require(ADMINS, "Archiving, restoring or merging partners")]

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
