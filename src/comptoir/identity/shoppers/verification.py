"""Shopper e-mail verification: a single-use link, valid 24 hours, whose token is stored only
as its SHA-256. The token is made when the e-mail is sent (by a job), so it never sits in the
job queue. Opening the link proves the address is the shopper's: only then is the account tied
to a customer who had the address before it (with her group prices, coupons and orders).

The link opens a page of the storefront (``COMPTOIR_SHOPPER_VERIFICATION_URL``, by default
``<base_url>/account/verify-email``) with the token as its ``token`` parameter; the page sends
it to ``POST /store/v1/account/verify-email``. Nothing here commits.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from comptoir.customers import service as customers
from comptoir.customers.schemas import ConsentChoice, Source
from comptoir.identity.auth import token_hash
from comptoir.identity.shoppers import service
from comptoir.identity.shoppers.errors import (
    EmailAlreadyVerified,
    VerificationEmailRateLimited,
    VerificationLinkRefused,
)
from comptoir.identity.shoppers.models import Shopper, ShopperEmailVerification
from comptoir.kit import clock
from comptoir.kit.i18n import Locale, use_locale
from comptoir.kit.i18n import gettext as _
from comptoir.kit.jobs import enqueue, task
from comptoir.kit.mail import Mail, send_mail
from comptoir.kit.settings import Settings, get_settings

LINK_LIFETIME: Final = timedelta(hours=24)
RESEND_EVERY: Final = timedelta(minutes=1)
DAILY_LIMIT: Final = 10
SEND_TASK: Final = "identity.send_shopper_verification"
NOTICE_TASK: Final = "identity.send_shopper_sign_up_notice"
DEFAULT_PATH: Final = "/account/verify-email"
MAX_TOKEN_LENGTH: Final = 200


def request_verification(
    session: Session, shopper_id: uuid.UUID, *, locale: Locale
) -> ShopperEmailVerification:
    """Queue a verification e-mail to the account's address, in ``locale``. Earlier links
    stay valid until they expire or one of them is used.

    Raises :class:`EmailAlreadyVerified` and :class:`VerificationEmailRateLimited` (one
    e-mail a minute and ten a day per account; the account row is locked while counting, so
    two requests at once send one e-mail).
    """
    shopper = session.scalars(
        select(Shopper).where(Shopper.id == shopper_id).with_for_update()
    ).one()
    if shopper.email_verified_at is not None:
        raise EmailAlreadyVerified()
    now = clock.now()
    sent = list(
        session.scalars(
            select(ShopperEmailVerification.created_at).where(
                ShopperEmailVerification.shopper_id == shopper.id,
                ShopperEmailVerification.created_at > now - timedelta(days=1),
            )
        )
    )
    if len(sent) >= DAILY_LIMIT or any(at > now - RESEND_EVERY for at in sent):
        raise VerificationEmailRateLimited()
    verification = ShopperEmailVerification(
        shopper_id=shopper.id,
        token_hash=token_hash(secrets.token_urlsafe(32)),  # replaced when the e-mail is sent
        locale=locale,
        expires_at=now + LINK_LIFETIME,
    )
    session.add(verification)
    session.flush()
    enqueue(session, SEND_TASK, {"verification_id": str(verification.id)})
    return verification


def verification_link(settings: Settings, token: str) -> str:
    """The storefront's verification page carrying ``token``."""
    page = settings.shopper_verification_url or f"{settings.base_url.rstrip('/')}{DEFAULT_PATH}"
    return f"{page}{'&' if '?' in page else '?'}token={token}"


@task(SEND_TASK, max_attempts=6)
def send_verification_email(session: Session, payload: dict[str, Any]) -> None:
    """Make the link's token, store its hash and e-mail the link. A link used or expired, or
    an account closed or verified meanwhile, is skipped. Raises what SMTP raised (the job
    retries)."""
    verification = session.get(ShopperEmailVerification, uuid.UUID(payload["verification_id"]))
    if (
        verification is None
        or verification.used_at is not None
        or verification.expires_at <= clock.now()
    ):
        return
    shopper = session.get(Shopper, verification.shopper_id)
    if (
        shopper is None
        or not shopper.is_active
        or shopper.email_verified_at is not None
        or not shopper.email
    ):
        return
    settings = get_settings()
    token = secrets.token_urlsafe(32)
    verification.token_hash = token_hash(token)
    session.flush()
    with use_locale("en" if verification.locale == "en" else "fr"):
        mail = Mail(
            to=shopper.email,
            subject=_("Confirm your e-mail address"),
            text=_(
                "Hello,\n\nTo confirm that this address is yours and finish opening your "
                "account, open this link within 24 hours:\n\n{link}\n\nIf you did not open "
                "an account, ignore this e-mail: nothing will be tied to your address.",
                link=verification_link(settings, token),
            ),
        )
    send_mail(settings, mail)


def notify_sign_up_attempt(session: Session, email: str, *, locale: Locale) -> None:
    """Queue an e-mail to the holder of the account of ``email`` (a sign-up with her address
    was answered as if it had opened an account): somebody tried, nothing changed, how to get
    back in. At most one a day per account, so that sign-ups cannot flood her mailbox; nothing
    for an address without an active account. The job's payload holds no address."""
    shopper = service.find_shopper_by_email(session, email)
    if shopper is None or not shopper.is_active:
        return
    enqueue(
        session,
        NOTICE_TASK,
        {"shopper_id": str(shopper.id), "locale": locale},
        dedupe_key=f"{NOTICE_TASK}:{shopper.id}:{clock.now().date().isoformat()}",
    )


@task(NOTICE_TASK, max_attempts=6)
def send_sign_up_notice(session: Session, payload: dict[str, Any]) -> None:
    """E-mail the account's holder that somebody tried to open an account with her address.
    An account closed meanwhile is skipped. Raises what SMTP raised (the job retries)."""
    shopper = session.get(Shopper, uuid.UUID(payload["shopper_id"]))
    if shopper is None or not shopper.is_active or not shopper.email:
        return
    with use_locale("en" if payload.get("locale") == "en" else "fr"):
        mail = Mail(
            to=shopper.email,
            subject=_("Somebody tried to open an account with your address"),
            text=_(
                "Hello,\n\nSomebody just tried to open an account at our shop with this e-mail "
                "address, which already has one. No other account was opened and yours has not "
                "changed.\n\nIf it was you, sign in with your password. If you no longer "
                "remember it, ask the shop to reset it for you.\n\nIf it was not you, you can "
                "ignore this e-mail."
            ),
        )
    send_mail(get_settings(), mail)


def verify_email(session: Session, token: str, *, source: Source) -> Shopper:
    """Mark the address of the link's account verified, using the link up (a guarded update,
    so a link works once even when opened twice at the same time) and every other link of the
    account; tie the account to the one customer of its address (found or created, ``source``
    saying where a new one came from) and record on her the consent boxes kept since sign-up.

    Raises :class:`VerificationLinkRefused` (``token``), the same for an unknown, used or
    expired token and a closed account.
    """
    now = clock.now()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise VerificationLinkRefused(field="token")
    verification = session.scalars(
        select(ShopperEmailVerification).where(
            ShopperEmailVerification.token_hash == token_hash(token)
        )
    ).first()
    if verification is None or verification.used_at is not None or verification.expires_at <= now:
        raise VerificationLinkRefused(field="token")
    used = session.execute(
        update(ShopperEmailVerification)
        .where(
            ShopperEmailVerification.id == verification.id,
            ShopperEmailVerification.used_at.is_(None),
            ShopperEmailVerification.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    shopper = session.get(Shopper, verification.shopper_id)
    if int(getattr(used, "rowcount", 0)) != 1 or shopper is None or not shopper.is_active:
        raise VerificationLinkRefused(field="token")
    session.execute(
        update(ShopperEmailVerification)
        .where(
            ShopperEmailVerification.shopper_id == shopper.id,
            ShopperEmailVerification.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    shopper.email_verified_at = shopper.email_verified_at or now
    customer_id = service.account_customer(session, shopper, source=source)
    pending = [ConsentChoice.model_validate(c) for c in shopper.pending_consents or []]
    if customer_id is not None and pending:
        customers.record_consent_choices(
            session, customer_id, pending, source=source, actor=f"shopper:{shopper.id}"
        )
    shopper.pending_consents = None
    session.flush()
    return shopper
