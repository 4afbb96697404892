"""Acceptance: staff sign in to one Comptoir (the relying party) through another Comptoir
acting as their OpenID Connect provider, both served by uvicorn, over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pyotp
import pytest

from comptoir.identity import mfa
from comptoir.identity import service as identity
from comptoir.identity.external.models import ExternalIdentity
from comptoir.identity.models import StaffUser
from comptoir.identity.web import SESSION_COOKIE
from tests.backoffice.conftest import csrf_token_of
from tests.identity.external.conftest import (
    PROVIDER_KEY,
    StartFederation,
    add_provider_user,
    approve_at_provider,
    audit_actions,
    open_sessions,
    password_sign_in,
    start_external_sign_in,
    user_id_of,
)
from tests.support.staff import add_staff_user

pytestmark = pytest.mark.committed

EMAIL = "lea.martin@example.com"
ENGLISH = {"Accept-Language": "en"}
SLOW = 30.0
"""Seconds a call may take: each sign-in crosses two live servers, slow on a busy CI machine."""


def _through_provider(
    relying_party: httpx.Client, provider: httpx.Client, *, tamper_state: bool = False
) -> httpx.Response:
    """Press the button on the relying party, allow the app at the provider, come back;
    returns the relying party's answer to the callback."""
    authorization_url = start_external_sign_in(relying_party)
    callback = approve_at_provider(provider, authorization_url)
    if tamper_state:
        parts = urlsplit(callback)
        query = [(k, v + "x" if k == "state" else v) for k, v in parse_qsl(parts.query)]
        callback = urlunsplit(parts._replace(query=urlencode(query)))
    return relying_party.get(callback)


def test_a_matching_staff_user_is_signed_in_and_linked(start_federation: StartFederation) -> None:
    with start_federation() as federation:
        # given Léa, staff at the provider and at the relying party with the same address
        subject = add_provider_user(federation.provider_db, EMAIL)
        with federation.relying_party_db.transaction() as session:
            add_staff_user(session, email=EMAIL, display_name="Léa Martin (boutique)")
        with (
            httpx.Client(
                timeout=SLOW, base_url=federation.relying_party.url, headers=ENGLISH
            ) as rp,
            httpx.Client(timeout=SLOW, base_url=federation.provider.url) as hq,
        ):
            password_sign_in(hq, EMAIL)

            # when she signs in to the relying party through the provider
            answer = _through_provider(rp, hq)

            # then she lands on the back office, signed in
            assert answer.status_code == 303, answer.text
            assert answer.headers["location"] == "/admin"
            assert SESSION_COOKIE in answer.cookies
            home = rp.get("/admin")
            assert home.status_code == 200
            assert "Léa Martin (boutique)" in home.text

    # and her account at the provider is linked by its subject, and the sign-in audited
    user_id = user_id_of(federation.relying_party_db, EMAIL)
    with federation.relying_party_db.transaction(readonly=True) as session:
        link = session.query(ExternalIdentity).one()
        assert (link.provider, link.subject, str(link.user_id)) == (PROVIDER_KEY, subject, user_id)
    events = [
        (action, changes)
        for action, who, changes in audit_actions(federation.relying_party_db)
        if who == user_id
    ]
    assert events == [
        ("sign_in", {"method": "external", "provider": PROVIDER_KEY, "mfa_by_provider": False})
    ]


def test_the_link_survives_an_address_change_at_the_provider(
    start_federation: StartFederation,
) -> None:
    with start_federation() as federation:
        # given Léa signed in once through the provider (her account is now linked)
        add_provider_user(federation.provider_db, EMAIL)
        with federation.relying_party_db.transaction() as session:
            add_staff_user(session, email=EMAIL)
        with (
            httpx.Client(
                timeout=SLOW, base_url=federation.relying_party.url, headers=ENGLISH
            ) as rp,
            httpx.Client(timeout=SLOW, base_url=federation.provider.url) as hq,
        ):
            password_sign_in(hq, EMAIL)
            assert _through_provider(rp, hq).status_code == 303

        # when her address changes at the provider only
        with federation.provider_db.transaction() as session:
            user = identity.find_user_by_email(session, EMAIL)
            assert user is not None
            user.email = "lea.m@example.org"
        with federation.provider_db.transaction() as session:
            assert identity.find_user_by_email(session, "lea.m@example.org") is not None

        # then she still signs in as herself
        with (
            httpx.Client(
                timeout=SLOW, base_url=federation.relying_party.url, headers=ENGLISH
            ) as rp,
            httpx.Client(timeout=SLOW, base_url=federation.provider.url) as hq,
        ):
            password_sign_in(hq, "lea.m@example.org")
            answer = _through_provider(rp, hq)
            assert answer.status_code == 303, answer.text
            assert answer.headers["location"] == "/admin"
    assert open_sessions(federation.relying_party_db) == 2


def test_an_unknown_address_is_refused_without_a_session(
    start_federation: StartFederation,
) -> None:
    with start_federation() as federation:
        # given Léa is staff at the provider but not at the relying party
        add_provider_user(federation.provider_db, EMAIL)
        with (
            httpx.Client(timeout=SLOW, base_url=federation.relying_party.url) as rp,
            httpx.Client(timeout=SLOW, base_url=federation.provider.url) as hq,
        ):
            password_sign_in(hq, EMAIL)

            # when she tries to sign in through the provider
            answer = _through_provider(rp, hq)

            # then the sign-in page says why (in the shop's language), and no session exists
            assert answer.status_code == 400
            assert "Aucun compte actif de l\u2019équipe ne correspond" in answer.text
            assert SESSION_COOKIE not in answer.cookies
            assert rp.get("/admin").status_code == 303
    assert open_sessions(federation.relying_party_db) == 0
    with federation.relying_party_db.transaction(readonly=True) as session:
        assert session.query(ExternalIdentity).count() == 0
        assert session.query(StaffUser).count() == 0
    failures = [
        c for a, _, c in audit_actions(federation.relying_party_db) if a == "sign_in_failed"
    ]
    assert failures == [{"method": "external", "provider": PROVIDER_KEY, "reason": "unknown_user"}]


def test_a_tampered_state_is_refused_without_a_session(
    start_federation: StartFederation,
) -> None:
    with start_federation() as federation:
        add_provider_user(federation.provider_db, EMAIL)
        with federation.relying_party_db.transaction() as session:
            add_staff_user(session, email=EMAIL)
        with (
            httpx.Client(
                timeout=SLOW, base_url=federation.relying_party.url, headers=ENGLISH
            ) as rp,
            httpx.Client(timeout=SLOW, base_url=federation.provider.url) as hq,
        ):
            password_sign_in(hq, EMAIL)

            # when the state coming back is not the one sent
            answer = _through_provider(rp, hq, tamper_state=True)

            # then nothing is signed in
            assert answer.status_code == 400
            assert "was altered or took too long" in answer.text
            assert SESSION_COOKIE not in answer.cookies
    assert open_sessions(federation.relying_party_db) == 0
    reasons = [
        c["reason"]
        for a, _, c in audit_actions(federation.relying_party_db)
        if a == "sign_in_failed"
    ]
    assert reasons == ["state_mismatch"]


def test_a_role_needing_mfa_still_asks_for_the_code(start_federation: StartFederation) -> None:
    # given a provider trusted for MFA, which does not assert any here (no amr, no acr)
    with start_federation(trust_provider_mfa=True, trusted_acr_values=["gold"]) as federation:
        add_provider_user(federation.provider_db, EMAIL)
        with federation.relying_party_db.transaction() as session:
            identity.ensure_builtin_roles(session)
            owner = add_staff_user(session, email=EMAIL, role_keys=["owner"])
            secret, _codes = mfa.enrol_without_confirmation(session, owner)
        with (
            httpx.Client(
                timeout=SLOW, base_url=federation.relying_party.url, headers=ENGLISH
            ) as rp,
            httpx.Client(timeout=SLOW, base_url=federation.provider.url) as hq,
        ):
            password_sign_in(hq, EMAIL)

            # when the owner signs in through the provider
            answer = _through_provider(rp, hq)

            # then the code step is still due: the back office stays closed until it is given
            assert answer.status_code == 303, answer.text
            assert answer.headers["location"] == "/admin/login/mfa?next=/admin"
            assert rp.get("/admin").headers["location"].startswith("/admin/login/mfa")
            page = rp.get("/admin/login/mfa")
            done = rp.post(
                "/admin/login/mfa",
                data={
                    "code": pyotp.TOTP(secret).now(),
                    "next": "/admin",
                    "csrf_token": csrf_token_of(page.text),
                },
            )
            assert done.status_code == 303, done.text
            assert rp.get("/admin").status_code == 200
