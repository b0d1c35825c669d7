"""Administration: local users (list, add, change role, disable or enable), through `/api/v1/users`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from gateway.web.client import ApiResponse
from gateway.web.context import Web, WebContext, WebForm
from gateway.web.i18n import lazy_gettext as _l
from gateway.web.routes.admin import forbidden, notice, tr, with_notice
from services.kit.roles import Role

router = APIRouter()

# The roles a person may hold (an integration's role is for API keys).
ROLES = {Role.VIEWER.value: _l("Viewer"), Role.OFFICER.value: _l("Officer"), Role.ADMIN.value: _l("Administrator")}
USERNAME = Annotated[str, Path(max_length=64)]
# The API's field messages are English; these say the same in the page's language.
FIELD_MESSAGES = {
    "username": _l("2 to 64 lower-case letters, digits, '.', '_', '-' or '@'."),
    "password": _l("At least 12 characters."),
    "roles": _l("Choose a role."),
    "display_name": _l("At most 200 characters."),
}


def field_errors(web: WebContext, answer: ApiResponse) -> dict[str, str]:
    if answer.status == 409:
        return {"username": web.gettext("A user with this name exists already.")}
    found = {}
    for name, message in answer.field_errors.items():
        key = name.split(".")[0]
        found["role" if key == "roles" else key] = tr(web, FIELD_MESSAGES.get(key, message))
    return found or {"_": (answer.problem or {}).get("detail") or web.gettext("The change was refused.")}


async def users_page(
    web: WebContext,
    *,
    cursor: str | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
    answer = await web.api.get("/users", params=params)
    listing = answer.json if answer.ok and isinstance(answer.json, dict) else {"items": [], "next_cursor": None}
    return web.render(
        "admin/users.html",
        status=status,
        section="users",
        users=listing["items"],
        next_cursor=listing.get("next_cursor"),
        failure=None if answer.ok else web.gettext("The list of users could not be read."),
        form=form or {"role": "officer"},
        errors=errors or {},
        role_options=[(k, tr(web, v)) for k, v in ROLES.items()],
        role_labels={k: tr(web, v) for k, v in ROLES.items()},
        done=notice(web),
    )


@router.get("/admin/users", response_class=HTMLResponse)
async def list_users(web: Web, cursor: Annotated[str | None, Query(max_length=500)] = None) -> HTMLResponse:
    if not web.is_admin:
        return forbidden(web)
    return await users_page(web, cursor=cursor)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    values = {name: text(form, name) for name in ("username", "display_name", "role")}
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    errors = {}
    if values["role"] not in ROLES:
        errors["role"] = tr(web, FIELD_MESSAGES["roles"])
    if not values["username"]:
        errors["username"] = web.gettext("Enter a user name.")
    if not password:
        errors["password"] = tr(web, FIELD_MESSAGES["password"])
    if not errors:
        body = {"username": values["username"], "password": password, "roles": [values["role"]]}
        if values["display_name"]:
            body["display_name"] = values["display_name"]
        answer = await web.api.post("/users", json=body)
        if answer.ok:
            return web.redirect(with_notice("/admin/users", "user-added"))
        errors = field_errors(web, answer)
    # The password is never sent back into the page.
    return await users_page(web, form=values, errors=errors, status=422)


async def change_user(web: WebContext, form: FormData, username: str, body: dict[str, Any], done: str) -> Response:
    version = text(form, "version")
    headers = {"If-Match": f'W/"{version}"'} if version.isdigit() else {}
    answer = await web.api.patch(f"/users/{username}", json=body, headers=headers)
    if answer.ok:
        return web.redirect(with_notice("/admin/users", done))
    if answer.status == 412:
        message = web.gettext("Someone else changed this user meanwhile: the list below is up to date; try again.")
    elif answer.status == 404:
        message = web.gettext("This user no longer exists.")
    else:
        message = next(iter(field_errors(web, answer).values()))
    return await users_page(web, errors={"_": message}, status=409 if answer.status == 412 else 422)


@router.post("/admin/users/{username}/role", response_class=HTMLResponse)
async def change_role(username: USERNAME, web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    role = text(form, "role")
    if role not in ROLES:
        return await users_page(web, errors={"_": tr(web, FIELD_MESSAGES["roles"])}, status=422)
    if username == web.user and role != "admin":
        message = web.gettext("You cannot take away your own administrator role.")
        return await users_page(web, errors={"_": message}, status=422)
    return await change_user(web, form, username, {"roles": [role]}, "role-changed")


@router.post("/admin/users/{username}/disable", response_class=HTMLResponse)
async def disable_user(username: USERNAME, web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    if username == web.user:
        return await users_page(web, errors={"_": web.gettext("You cannot disable your own account.")}, status=422)
    return await change_user(web, form, username, {"disabled": True}, "user-disabled")


@router.post("/admin/users/{username}/enable", response_class=HTMLResponse)
async def enable_user(username: USERNAME, web: Web, form: WebForm) -> Response:
    if not web.is_admin:
        return forbidden(web)
    return await change_user(web, form, username, {"disabled": False}, "user-enabled")
