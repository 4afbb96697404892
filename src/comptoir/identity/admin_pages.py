"""Staff users and roles in the back office: list, create, roles of a user, lock and unlock,
reset of two-step verification, custom roles with their scopes."""

from __future__ import annotations

import uuid
from itertools import groupby
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from comptoir.backoffice.nav import SECTION_SYSTEM, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
    require_scope,
)
from comptoir.identity import auth, mfa, service
from comptoir.identity import security_log as log
from comptoir.identity.models import StaffUser
from comptoir.identity.scopes import SCOPES, STAFF_SCOPES
from comptoir.identity.web import recent_authentication, staff_principal
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

USERS_PATH: Final = "/admin/users"
ROLES_PATH: Final = "/admin/roles"
LOCALES: Final = {"fr": "Français", "en": "English"}

router = APIRouter()
register_pages(router)
register(
    NavItem(
        section=SECTION_SYSTEM,
        label=_l("Staff users"),
        path=USERS_PATH,
        order=30,
        scope="identity:read",
    )
)
register(
    NavItem(
        section=SECTION_SYSTEM, label=_l("Roles"), path=ROLES_PATH, order=31, scope="identity:read"
    )
)
register_flash("identity.user-created", _l("The staff user is created."))
register_flash("identity.user-saved", _l("The staff user's roles are saved."))
register_flash("identity.user-locked", _l("The staff user is deactivated and signed out."))
register_flash("identity.user-unlocked", _l("The staff user can sign in again."))
register_flash("identity.mfa-reset", _l("Two-step verification is reset for this user."))
register_flash("identity.role-created", _l("The role is created."))

Errors = dict[str, str]
READ: Final = require_scope("identity:read")
ADMIN: Final = require_scope("identity:admin")


def _errors_of(request: Request, error: DomainError) -> Errors:
    return {error.field or "form": error.detail(request_locale(request))}


@router.get("/users", response_class=HTMLResponse, dependencies=[READ])
def users(request: Request, session: DbSession) -> HTMLResponse:
    """Every staff user with their roles and status."""
    roles = dict(service.role_choices(session))
    rows = [
        (user, [roles.get(key, key) for key in service.role_keys_of(session, user.id)])
        for user in service.list_users(session)
    ]
    return render(
        request,
        "identity/users.html",
        title=_l("Staff users"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Staff users"))],
        primary_action=PrimaryAction(_l("Add a staff user"), f"{USERS_PATH}/new"),
        rows=rows,
        is_locked=auth.is_locked,
    )


def _user_form(
    request: Request, session: DbSession, *, errors: Errors, values: dict[str, object], status: int
) -> HTMLResponse:
    return render(
        request,
        "identity/user_new.html",
        status_code=status,
        title=_l("Add a staff user"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Staff users"), USERS_PATH),
            Crumb(_l("Add a staff user")),
        ],
        errors=errors,
        values=values,
        roles=service.role_choices(session),
        locales=LOCALES,
    )


@router.get("/users/new", response_class=HTMLResponse, dependencies=[ADMIN])
def new_user_form(request: Request, session: DbSession) -> HTMLResponse:
    """The form to add a staff user."""
    values: dict[str, object] = {"email": "", "display_name": "", "locale": "fr", "roles": []}
    return _user_form(request, session, errors={}, values=values, status=200)


@router.post("/users/new", response_class=HTMLResponse, dependencies=[ADMIN])
def create_user(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    locale: Annotated[str, Form()] = "fr",
    roles: Annotated[list[str] | None, Form()] = None,
    _recent: object = recent_authentication,
) -> Response:
    """Create the user with a first password the person changes in their account."""
    values: dict[str, object] = {
        "email": email,
        "display_name": display_name,
        "locale": locale,
        "roles": roles or [],
    }
    try:
        user = service.create_user(
            session,
            email=email,
            display_name=display_name,
            password=password,
            role_keys=roles or [],
            locale=locale,
        )
    except DomainError as error:
        errors = _errors_of(request, error)
        return _user_form(request, session, errors=errors, values=values, status=400)
    details = {"roles": sorted(roles or [])}
    log.log_event(session, log.USER_CREATED, user_id=user.id, request=request, details=details)
    return redirect_with_flash(request, USERS_PATH, "identity.user-created")


def _user_page(
    request: Request, session: DbSession, user: StaffUser, *, errors: Errors, status: int
) -> HTMLResponse:
    locations = service.locations_of(session, user.id) or frozenset()
    return render(
        request,
        "identity/user_edit.html",
        status_code=status,
        title=user.display_name,
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Staff users"), USERS_PATH),
            Crumb(user.display_name),
        ],
        user=user,
        errors=errors,
        roles=service.role_choices(session),
        user_roles=service.role_keys_of(session, user.id),
        locations="\n".join(sorted(str(location) for location in locations)),
        locked=auth.is_locked(user),
    )


@router.get("/users/{user_id}", response_class=HTMLResponse, dependencies=[READ])
def user_page(request: Request, session: DbSession, user_id: uuid.UUID) -> HTMLResponse:
    """One staff user: roles, location restriction, status, actions."""
    return _user_page(request, session, service.get_user(session, user_id), errors={}, status=200)


@router.post("/users/{user_id}/roles", response_class=HTMLResponse, dependencies=[ADMIN])
def save_roles(
    request: Request,
    session: DbSession,
    user_id: uuid.UUID,
    roles: Annotated[list[str] | None, Form()] = None,
    locations: Annotated[str, Form()] = "",
    _recent: object = recent_authentication,
) -> Response:
    """Replace the user's roles and locations. Their privileges change: their other sessions
    end (the acting user's own session gets a new token instead)."""
    user = service.get_user(session, user_id)
    try:
        location_ids = [uuid.UUID(line.strip()) for line in locations.splitlines() if line.strip()]
    except ValueError:
        message = str(_l("Enter one location identifier (a UUID) per line."))
        return _user_page(request, session, user, errors={"locations": message}, status=400)
    previous = service.role_keys_of(session, user.id)
    try:
        service.set_roles(session, user.id, roles or [])
    except DomainError as error:
        return _user_page(request, session, user, errors=_errors_of(request, error), status=400)
    service.set_locations(session, user.id, location_ids)
    details = {"previous_roles": previous, "roles": service.role_keys_of(session, user.id)}
    log.log_event(session, log.ROLES_CHANGED, user_id=user.id, request=request, details=details)
    principal = staff_principal(request)
    current = principal.extra.get("session_id")
    service.revoke_user_sessions(
        session, user.id, keep=current if principal.id == user.id else None
    )
    response = redirect_with_flash(request, f"{USERS_PATH}/{user.id}", "identity.user-saved")
    if principal.id == user.id and current is not None:
        from comptoir.identity.models import StaffSession
        from comptoir.identity.web import set_session_cookie

        staff_session = session.get(StaffSession, current)
        assert staff_session is not None
        opened = auth.rotate_session(session, staff_session, stage=staff_session.stage)
        set_session_cookie(request, response, opened.token)
    return response


@router.post("/users/{user_id}/lock", dependencies=[ADMIN])
def lock_user(request: Request, session: DbSession, user_id: uuid.UUID) -> Response:
    """Deactivate the user: they cannot sign in and their sessions end."""
    user = service.get_user(session, user_id)
    service.set_active(session, user.id, is_active=False)
    log.log_event(session, log.USER_DEACTIVATED, user_id=user.id, request=request)
    return redirect_with_flash(request, f"{USERS_PATH}/{user.id}", "identity.user-locked")


@router.post("/users/{user_id}/unlock", dependencies=[ADMIN])
def unlock_user(request: Request, session: DbSession, user_id: uuid.UUID) -> Response:
    """Reactivate the user and clear a lock after failed attempts."""
    user = service.get_user(session, user_id)
    service.set_active(session, user.id, is_active=True)
    service.unlock(session, user.id)
    log.log_event(session, log.USER_REACTIVATED, user_id=user.id, request=request)
    return redirect_with_flash(request, f"{USERS_PATH}/{user.id}", "identity.user-unlocked")


@router.post("/users/{user_id}/reset-mfa", dependencies=[ADMIN])
def reset_mfa(
    request: Request,
    session: DbSession,
    user_id: uuid.UUID,
    _recent: object = recent_authentication,
) -> Response:
    """Forget the user's TOTP secret and recovery codes and end their sessions: at the next
    sign-in they set up two-step verification again (when their role requires it)."""
    user = service.get_user(session, user_id)
    mfa.remove_mfa(session, user)
    ended = service.revoke_user_sessions(session, user.id)
    details = {"sessions_ended": ended}
    log.log_event(session, log.MFA_REMOVED, user_id=user.id, request=request, details=details)
    return redirect_with_flash(request, f"{USERS_PATH}/{user.id}", "identity.mfa-reset")


def _scope_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    items = sorted((scope, label) for scope, label in SCOPES.items() if scope in STAFF_SCOPES)
    return [
        (module, [(scope, str(label)) for scope, label in group])
        for module, group in groupby(items, key=lambda item: item[0].split(":", 1)[0])
    ]


@router.get("/roles", response_class=HTMLResponse, dependencies=[READ])
def roles(request: Request, session: DbSession) -> HTMLResponse:
    """Every role with its scopes."""
    rows = service.role_scopes(session)
    return render(
        request,
        "identity/roles.html",
        title=_l("Roles"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Roles"))],
        primary_action=PrimaryAction(_l("Create a role"), f"{ROLES_PATH}/new"),
        rows=rows,
    )


def _role_form(
    request: Request, *, errors: Errors, name: str, chosen: list[str], status: int
) -> HTMLResponse:
    return render(
        request,
        "identity/role_new.html",
        status_code=status,
        title=_l("Create a role"),
        breadcrumb=[
            Crumb(_l("Back office"), "/admin"),
            Crumb(_l("Roles"), ROLES_PATH),
            Crumb(_l("Create a role")),
        ],
        errors=errors,
        name=name,
        chosen=chosen,
        groups=_scope_groups(),
    )


@router.get("/roles/new", response_class=HTMLResponse, dependencies=[ADMIN])
def new_role_form(request: Request) -> HTMLResponse:
    """The form to create a custom role: a name and a checklist of scopes."""
    return _role_form(request, errors={}, name="", chosen=[], status=200)


@router.post("/roles/new", response_class=HTMLResponse, dependencies=[ADMIN])
def create_role(
    request: Request,
    session: DbSession,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    _recent: object = recent_authentication,
) -> Response:
    """Create the custom role."""
    try:
        service.create_role(session, name=name, scopes=scopes or [])
    except DomainError as error:
        return _role_form(
            request, errors=_errors_of(request, error), name=name, chosen=scopes or [], status=400
        )
    return redirect_with_flash(request, ROLES_PATH, "identity.role-created")
