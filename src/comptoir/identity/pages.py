"""The sign-in pages: password, second step, two-step verification set-up, sign-out, and the
re-authentication asked before dangerous actions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import (
    Crumb,
    PageRedirect,
    register_flash,
    register_pages,
    render,
    set_gatekeeper,
)
from comptoir.identity import auth, mfa, service
from comptoir.identity import security_log as log
from comptoir.identity.models import (
    SESSION_STAGE_ENROL,
    SESSION_STAGE_FULL,
    SESSION_STAGE_MFA,
    StaffSession,
    StaffUser,
)
from comptoir.identity.passwords import verify_password
from comptoir.identity.web import (
    ENROL_PATH,
    LOGIN_PATH,
    MFA_PATH,
    SessionGatekeeper,
    clear_session_cookie,
    client_ip,
    session_policy,
    set_session_cookie,
    staff_principal,
)
from comptoir.kit.db.engine import Database
from comptoir.kit.http.transaction import DbSession, current_transaction
from comptoir.kit.i18n import lazy_gettext as _l

TEMPLATES: Final = Path(__file__).parent / "templates"
GENERIC_FAILURE: Final = _l(
    "The e-mail address or the password is not right, or the account is locked for a few "
    "minutes after too many attempts. Check them and try again, or reset your password."
)

public_router = APIRouter()
router = APIRouter()
register_pages(public_router, templates=TEMPLATES, public=True)
register_pages(router, templates=TEMPLATES)
set_gatekeeper(SessionGatekeeper())
register_flash("identity.signed-out", _l("You are signed out."))
register_flash("identity.mfa-on", _l("Two-step verification is on."))

Errors = dict[str, str]


def safe_next(candidate: str | None) -> str:
    """``candidate`` if it is a back-office page (never another site, never the sign-in
    pages themselves), else the front page."""
    if (
        candidate
        and candidate.startswith("/admin")
        and not candidate.startswith("//")
        and "\\" not in candidate
        and not candidate.startswith(("/admin/login", "/admin/logout", "/admin/mfa"))
    ):
        return candidate
    return "/admin"


def _stage(request: Request) -> str | None:
    stage = getattr(request.state, "staff_stage", None)
    return stage if isinstance(stage, str) else None


def _record_failure_after_rollback(request: Request, email: str) -> None:
    """The request rolls back (its answer is an error); count the failure in a transaction of
    its own once it has."""
    database: Database = request.app.state.database
    ip_address = client_ip(request)

    def record() -> None:
        with database.transaction() as session:
            user = service.find_user_by_email(session, email) if email else None
            user_id = user.id if user else None
            auth.record_failed_login(session, user_id=user_id, ip_address=ip_address)
            actor = log.request_actor(request)
            log.log_event(
                session, log.SIGN_IN_FAILED, user_id=user_id, request=request, actor=actor
            )
            if user is not None:
                session.refresh(user)
                if auth.is_locked(user):
                    log.log_event(
                        session, log.LOCKED_OUT, user_id=user_id, request=request, actor=actor
                    )

    current_transaction(request.scope).after_rollback(record)


def _login_page(
    request: Request, *, errors: Errors, email: str = "", next_path: str = "/admin", status: int
) -> HTMLResponse:
    return render(
        request,
        "identity/login.html",
        status_code=status,
        title=_l("Sign in to the back office"),
        errors=errors,
        email=email,
        next_path=next_path,
        external_providers=request.app.state.settings.oidc_providers,
    )


@public_router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    """The sign-in form; someone already signed in goes straight on."""
    next_path = safe_next(request.query_params.get("next"))
    if _stage(request) == SESSION_STAGE_FULL:
        return RedirectResponse(next_path, status_code=303)
    return _login_page(request, errors={}, next_path=next_path, status=200)


@public_router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "/admin",
) -> Response:
    """Check the password; on success open a new session (a new token: any session the
    browser had is ended) at the step still due. Every failure gives the same message."""
    next_path = safe_next(next_path)
    errors: Errors = {}
    if not email.strip():
        errors["email"] = str(_l("Enter your e-mail address."))
    if not password:
        errors["password"] = str(_l("Enter your password."))
    if errors:
        return _login_page(request, errors=errors, email=email, next_path=next_path, status=400)
    if auth.is_rate_limited(session, client_ip(request)):
        errors["email"] = str(
            _l("Too many failed attempts from your network. Wait 15 minutes and try again.")
        )
        return _login_page(request, errors=errors, email=email, next_path=next_path, status=429)
    user = auth.check_credentials(session, email, password)
    if user is None:
        _record_failure_after_rollback(request, email)
        errors["email"] = str(GENERIC_FAILURE)
        return _login_page(request, errors=errors, email=email, next_path=next_path, status=400)
    settings = request.app.state.settings
    previous = getattr(request.state, "staff_session_id", None)
    if previous is not None:
        auth.revoke_session(session, previous, user_id=request.state.staff_user_id)
    stage = auth.first_stage(session, user, mfa_for_everyone=settings.mfa_required_for_everyone)
    if stage == SESSION_STAGE_FULL:
        auth.record_successful_login(session, user)
        log.log_event(session, log.SIGN_IN, user_id=user.id, request=request)
    opened = auth.open_session(
        session,
        user,
        stage=stage,
        policy=session_policy(settings),
        ip_address=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    target = {SESSION_STAGE_MFA: MFA_PATH, SESSION_STAGE_ENROL: ENROL_PATH}.get(stage)
    location = f"{target}?next={quote(next_path, safe='/')}" if target else next_path
    response = RedirectResponse(location, status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


def _pending_user(request: Request, session: Session, stage: str) -> StaffUser:
    if _stage(request) != stage:
        raise PageRedirect(LOGIN_PATH)
    return service.get_user(session, request.state.staff_user_id)


@public_router.get("/login/mfa", response_class=HTMLResponse)
def mfa_form(request: Request, session: DbSession) -> HTMLResponse:
    """The second step: a TOTP code or a recovery code."""
    _pending_user(request, session, SESSION_STAGE_MFA)
    return _mfa_page(request, errors={}, status=200)


def _mfa_page(request: Request, *, errors: Errors, status: int) -> HTMLResponse:
    return render(
        request,
        "identity/mfa_verify.html",
        status_code=status,
        title=_l("Two-step verification"),
        errors=errors,
        action=MFA_PATH,
        next_path=safe_next(request.query_params.get("next")),
        ask_password=False,
        ask_code=True,
        show_sign_out=True,
    )


@public_router.post("/login/mfa", response_class=HTMLResponse)
def mfa_verify(
    request: Request,
    session: DbSession,
    code: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "/admin",
) -> Response:
    """Accept an unused code, then rotate the session's token and complete the sign-in. A
    wrong code counts as a failed sign-in (lockout applies)."""
    user = _pending_user(request, session, SESSION_STAGE_MFA)
    step = None if auth.is_locked(user) else mfa.accept_second_step(session, user, code)
    if step is None:
        _record_failure_after_rollback(request, user.email)
        message = _l("This code is not right or was already used. Try the next code.")
        return _mfa_page(request, errors={"code": str(message)}, status=400)
    staff_session = session.get(StaffSession, request.state.staff_session_id)
    assert staff_session is not None
    auth.record_successful_login(session, user)
    if step == "recovery":
        log.log_event(session, log.RECOVERY_CODE_USED, user_id=user.id, request=request)
    log.log_event(session, log.SIGN_IN, user_id=user.id, request=request)
    opened = auth.rotate_session(session, staff_session, stage=SESSION_STAGE_FULL)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


def _setup_user(request: Request, session: Session) -> StaffUser:
    if _stage(request) not in (SESSION_STAGE_ENROL, SESSION_STAGE_FULL):
        raise PageRedirect(LOGIN_PATH)
    user = service.get_user(session, request.state.staff_user_id)
    if user.totp_enabled_at is not None:
        raise PageRedirect("/admin/account")
    return user


def _setup_page(
    request: Request, user: StaffUser, secret: str, *, errors: Errors, status: int
) -> HTMLResponse:
    uri = mfa.provisioning_uri(secret, user.email)
    return render(
        request,
        "identity/mfa_setup.html",
        status_code=status,
        title=_l("Set up two-step verification"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Two-step verification"))]
        if _stage(request) == SESSION_STAGE_FULL
        else [],
        errors=errors,
        secret=secret,
        # segno's own SVG: no user text in it but the escaped title.
        qr_svg=Markup(mfa.qr_code_svg(uri, title=str(_l("QR code to scan with the app")))),
        required=_stage(request) == SESSION_STAGE_ENROL,
        next_path=safe_next(request.query_params.get("next")),
    )


@public_router.get("/mfa/setup", response_class=HTMLResponse)
def mfa_setup_form(request: Request) -> HTMLResponse:
    """The enrolment page: a new secret as a QR code and as text. The secret is written in a
    transaction of its own (this is a GET) so that the code typed next matches it."""
    database: Database = request.app.state.database
    with database.transaction() as session:
        user = _setup_user(request, session)
        secret = mfa.start_enrolment(user)
    return _setup_page(request, user, secret, errors={}, status=200)


@public_router.post("/mfa/setup", response_class=HTMLResponse)
def mfa_setup(request: Request, session: DbSession, code: Annotated[str, Form()] = "") -> Response:
    """Turn two-step verification on when the code matches; rotate the session's token (its
    privileges change) and show the recovery codes once."""
    user = _setup_user(request, session)
    secret = user.totp_secret
    if not secret:
        raise PageRedirect(ENROL_PATH)
    codes = mfa.confirm_enrolment(session, user, code)
    if codes is None:
        message = _l("This code is not right. Enter the code the app shows now.")
        return _setup_page(request, user, secret, errors={"code": str(message)}, status=400)
    staff_session = session.get(StaffSession, request.state.staff_session_id)
    assert staff_session is not None
    log.log_event(session, log.MFA_ENROLLED, user_id=user.id, request=request)
    if staff_session.stage != SESSION_STAGE_FULL:
        auth.record_successful_login(session, user)
        log.log_event(session, log.SIGN_IN, user_id=user.id, request=request)
    opened = auth.rotate_session(session, staff_session, stage=SESSION_STAGE_FULL)
    request.state.csrf_binding = opened.session.token_hash
    response = render(
        request,
        "identity/recovery_codes.html",
        title=_l("Your recovery codes"),
        codes=codes,
        next_path=safe_next(request.query_params.get("next")),
    )
    set_session_cookie(request, response, opened.token)
    return response


@public_router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    """End the session (it can never be used again) and forget the cookie."""
    session_id = getattr(request.state, "staff_session_id", None)
    if session_id is not None:
        user_id = request.state.staff_user_id
        if auth.revoke_session(session, session_id, user_id=user_id):
            log.log_event(session, log.SIGN_OUT, user_id=user_id, request=request)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    clear_session_cookie(request, response)
    return response


@router.get("/account/confirm", response_class=HTMLResponse)
def confirm_form(request: Request, session: DbSession) -> HTMLResponse:
    """Re-authentication before a dangerous action: the password, and a code when two-step
    verification is on."""
    user = service.get_user(session, staff_principal(request).id)
    return _confirm_page(request, user, errors={}, status=200)


def _confirm_page(
    request: Request, user: StaffUser, *, errors: Errors, status: int
) -> HTMLResponse:
    return render(
        request,
        "identity/mfa_verify.html",
        status_code=status,
        title=_l("Confirm it is you"),
        errors=errors,
        action="/admin/account/confirm",
        next_path=safe_next(request.query_params.get("next")),
        ask_password=True,
        ask_code=user.totp_enabled_at is not None,
        show_sign_out=False,
    )


@router.post("/account/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    session: DbSession,
    password: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    next_path: Annotated[str, Form(alias="next")] = "/admin",
) -> Response:
    """Note that the user has just proved who they are (rotating the session's token)."""
    user = service.get_user(session, staff_principal(request).id)
    password_ok = verify_password(user.password_hash, password)
    needs_code = user.totp_enabled_at is not None
    step = mfa.accept_second_step(session, user, code) if password_ok and needs_code else None
    ok = password_ok and (not needs_code or step is not None)
    if step == "recovery":
        log.log_event(session, log.RECOVERY_CODE_USED, user_id=user.id, request=request)
    if not ok or auth.is_locked(user):
        _record_failure_after_rollback(request, user.email)
        message = _l("The password or the code is not right.")
        return _confirm_page(request, user, errors={"password": str(message)}, status=400)
    staff_session = session.get(StaffSession, request.state.staff_session_id)
    assert staff_session is not None
    opened = auth.rotate_session(session, staff_session, stage=SESSION_STAGE_FULL)
    response = RedirectResponse(safe_next(next_path), status_code=303)
    set_session_cookie(request, response, opened.token)
    return response


# The other identity pages register themselves when imported.
from comptoir.identity import account_pages, admin_pages, reset_pages  # noqa: E402, F401
