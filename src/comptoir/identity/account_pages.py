"""My account: change the password, two-step verification, recovery codes, open sessions."""

from __future__ import annotations

import uuid
from typing import Annotated, Final

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from comptoir.backoffice.nav import SECTION_SYSTEM, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PageRedirect,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.identity import auth, mfa, service
from comptoir.identity import security_log as log
from comptoir.identity.models import StaffUser
from comptoir.identity.passwords import (
    PasswordRejected,
    check_policy,
    hash_password,
    verify_password,
)
from comptoir.identity.web import (
    ENROL_PATH,
    recent_authentication,
    session_policy,
    staff_principal,
)
from comptoir.kit import clock
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

PAGE_PATH: Final = "/admin/account"
router = APIRouter()
register_pages(router)
register(NavItem(section=SECTION_SYSTEM, label=_l("My account"), path=PAGE_PATH, order=90))
register_flash("identity.password-changed", _l("Your password is changed."))
register_flash("identity.session-revoked", _l("The session is ended."))
register_flash("identity.mfa-off", _l("Two-step verification is off."))

Errors = dict[str, str]


def _me(request: Request, session: DbSession) -> StaffUser:
    return service.get_user(session, staff_principal(request).id)


def _account_page(
    request: Request, session: DbSession, user: StaffUser, *, errors: Errors, status: int
) -> HTMLResponse:
    settings = request.app.state.settings
    current = staff_principal(request).extra.get("session_id")
    return render(
        request,
        "identity/account.html",
        status_code=status,
        title=_l("My account"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("My account"))],
        user=user,
        errors=errors,
        mfa_required=service.requires_mfa(
            session, user.id, for_everyone=settings.mfa_required_for_everyone
        ),
        sessions=auth.list_open_sessions(session, user.id, session_policy(settings)),
        current_session_id=current,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: DbSession) -> HTMLResponse:
    """The signed-in user's own account."""
    return _account_page(request, session, _me(request, session), errors={}, status=200)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: DbSession,
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    """Change the password after checking the current one; every other session ends."""
    user = _me(request, session)
    errors: Errors = {}
    if not verify_password(user.password_hash, current_password):
        errors["current_password"] = str(_l("Your current password is not right."))
    try:
        normalised = check_policy(new_password, field="new_password")
    except PasswordRejected as error:
        errors["new_password"] = error.detail(request_locale(request))
    else:
        if new_password != confirm_password:
            errors["confirm_password"] = str(_l("The two new passwords are different."))
    if errors:
        return _account_page(request, session, user, errors=errors, status=400)
    user.password_hash = hash_password(normalised)
    user.password_changed_at = clock.now()
    ended = service.revoke_user_sessions(
        session, user.id, keep=staff_principal(request).extra.get("session_id")
    )
    log.log_event(
        session,
        log.PASSWORD_CHANGED,
        user_id=user.id,
        request=request,
        details={"sessions_ended": ended},
    )
    return redirect_with_flash(request, PAGE_PATH, "identity.password-changed")


@router.post("/account/recovery-codes", response_class=HTMLResponse)
def regenerate_recovery_codes(
    request: Request, session: DbSession, _recent: object = recent_authentication
) -> Response:
    """New recovery codes, replacing the old ones (after re-authentication)."""
    user = _me(request, session)
    if user.totp_enabled_at is None:
        raise PageRedirect(ENROL_PATH)
    codes = mfa.new_recovery_codes(session, user.id)
    return render(
        request,
        "identity/recovery_codes.html",
        title=_l("Your recovery codes"),
        codes=codes,
        next_path=PAGE_PATH,
    )


@router.post("/account/mfa/disable")
def disable_mfa(
    request: Request, session: DbSession, _recent: object = recent_authentication
) -> Response:
    """Turn two-step verification off, only where the user's roles allow it."""
    user = _me(request, session)
    settings = request.app.state.settings
    if service.requires_mfa(session, user.id, for_everyone=settings.mfa_required_for_everyone):
        raise PageRedirect(PAGE_PATH)
    mfa.remove_mfa(session, user)
    log.log_event(session, log.MFA_REMOVED, user_id=user.id, request=request)
    return redirect_with_flash(request, PAGE_PATH, "identity.mfa-off")


@router.post("/account/sessions/{session_id}/revoke")
def revoke_session(request: Request, session: DbSession, session_id: uuid.UUID) -> Response:
    """End one of the user's own sessions."""
    user = _me(request, session)
    if auth.revoke_session(session, session_id, user_id=user.id):
        details = {"session_id": str(session_id)}
        log.log_event(
            session, log.SESSION_REVOKED, user_id=user.id, request=request, details=details
        )
    return redirect_with_flash(request, PAGE_PATH, "identity.session-revoked")
