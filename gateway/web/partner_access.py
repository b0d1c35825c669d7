"""What the partner pages share: who may do what (the services check again), ids, the 404 page."""

from __future__ import annotations

import re

from fastapi.responses import Response

from gateway.web.context import Web
from services.kit.roles import EDITORS as EDITORS  # re-exported: the partner pages' one import
from services.kit.roles import STAFF as STAFF

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")


def valid_id(value: str) -> bool:
    return bool(_UUID.match(value))


def same_id(a: str, b: str) -> bool:
    return a.replace("-", "").lower() == b.replace("-", "").lower()


def may_edit(web: Web) -> bool:
    return bool(EDITORS & set(web.roles))


def not_found(web: Web, partner_id: str) -> Response:
    return web.render("partners/missing.html", status=404, partner_id=partner_id)
