"""Forgotten password: ask for a link by e-mail, then choose a new password from the link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from comptoir.backoffice.shell import (
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.identity import resets
from comptoir.identity import security_log as log
from comptoir.identity.passwords import PasswordRejected
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l

router = APIRouter()
register_pages(router, public=True)
register_flash("identity.password-reset", _l("Your password is changed. Sign in with the new one."))

Errors = dict[str, str]


def _message(request: Request, title: LazyString, text: LazyString, status: int) -> HTMLResponse:
    return render(request, "identity/message.html", status_code=status, title=title, text=text)


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request) -> HTMLResponse:
    """The form asking for the account's e-mail address."""
    return render(
        request, "identity/password_forgot.html", title=_l("Reset your password"), errors={}
    )


@router.post("/password/forgot", response_class=HTMLResponse)
def forgot(request: Request, session: DbSession, email: Annotated[str, Form()] = "") -> Response:
    """Queue the e-mail when the address has an account; answer the same either way."""
    if not email.strip():
        errors = {"email": str(_l("Enter your e-mail address."))}
        return render(
            request,
            "identity/password_forgot.html",
            status_code=400,
            title=_l("Reset your password"),
            errors=errors,
        )
    resets.request_reset(session, email)
    return _message(
        request,
        _l("Check your e-mail"),
        _l(
            "If a staff account has this address, we have sent it a link to choose a new "
            "password. The link works once, for 30 minutes."
        ),
        200,
    )


def _invalid_link(request: Request) -> HTMLResponse:
    return _message(
        request,
        _l("This link does not work any more"),
        _l("A reset link works once, for 30 minutes. Ask for a new one from the sign-in page."),
        400,
    )


def _reset_page(request: Request, token: str, errors: Errors, status: int) -> HTMLResponse:
    return render(
        request,
        "identity/password_reset.html",
        status_code=status,
        title=_l("Choose a new password"),
        token=token,
        errors=errors,
    )


@router.get("/password/reset", response_class=HTMLResponse)
def reset_form(request: Request, session: DbSession, token: str = "") -> HTMLResponse:
    """The new-password form for a valid link."""
    if resets.find_valid_reset(session, token) is None:
        return _invalid_link(request)
    return _reset_page(request, token, {}, 200)


@router.post("/password/reset", response_class=HTMLResponse)
def reset(
    request: Request,
    session: DbSession,
    token: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    """Set the new password and send the person to sign in (with their second step)."""
    if new_password != confirm_password:
        errors = {"confirm_password": str(_l("The two new passwords are different."))}
        return _reset_page(request, token, errors, 400)
    try:
        user = resets.complete_reset(session, token, new_password)
    except PasswordRejected as error:
        return _reset_page(
            request, token, {"new_password": error.detail(request_locale(request))}, 400
        )
    if user is None:
        return _invalid_link(request)
    log.log_event(session, log.PASSWORD_RESET, user_id=user.id, request=request)
    return redirect_with_flash(request, "/admin/login", "identity.password-reset")
