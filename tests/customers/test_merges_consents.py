"""Consents with their history, and merging then unmerging two customers."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.customers import service
from comptoir.customers.models import Address, ConsentRecord, Customer
from comptoir.kit.events.models import OutboxEvent
from comptoir.privacy.models import PrivacyAuditEntry
from comptoir.privacy.schemas import AuditActor
from tests.customers.factories import address, make_customer, make_group

STAFF = AuditActor(kind="staff", id=None, display_name="Nadia (support)")


def _states(session: Session, customer: Customer) -> dict[tuple[str, str], bool]:
    return {
        (s.channel, s.purpose): s.granted for s in service.current_consents(session, customer.id)
    }


def test_nothing_is_consented_without_a_record(session: Session) -> None:
    customer = make_customer(session)

    states = _states(session, customer)

    assert len(states) == 8
    assert not any(states.values())


def test_a_withdrawal_keeps_the_grant_in_the_history(session: Session) -> None:
    customer = make_customer(session)
    service.record_consent(
        session,
        customer.id,
        channel="email",
        purpose="marketing",
        wording_version="2026-01",
        source="web_shop",
    )
    assert service.has_consent(session, customer.id, "email", "marketing")

    service.withdraw_consent(
        session, customer.id, channel="email", purpose="marketing", source="till"
    )

    assert not service.has_consent(session, customer.id, "email", "marketing")
    history = service.consent_history(session, customer.id)
    assert [(r.action, r.source, r.wording_version) for r in history] == [
        ("withdrawn", "till", None),
        ("granted", "web_shop", "2026-01"),
    ]
    emitted = session.scalars(
        select(OutboxEvent.payload).where(OutboxEvent.type == "consent.changed")
    ).all()
    assert [p["granted"] for p in emitted] == [True, False]


def test_merge_then_unmerge_restores_both_customers(session: Session) -> None:
    # given two records of one person, from the web shop and the till
    make_group(session, "vip")
    web = make_customer(
        session,
        first_name="Hugo",
        last_name="Lemaire",
        email="hugo@example.fr",
        addresses=[address(city="Lyon", is_default_shipping=True)],
    )
    till = make_customer(
        session,
        first_name="Hugo",
        last_name="Lemaire",
        email=None,
        phone="06 01 02 03 04",
        groups=["vip"],
        addresses=[address(city="Nantes", is_default_shipping=True)],
    )
    service.record_consent(
        session, till.id, channel="sms", purpose="marketing", wording_version="v3", source="till"
    )

    # when the till record is merged into the web one
    merge = service.merge_customers(session, web.id, till.id, actor=STAFF)

    # then the web customer holds everything, and the till's phone leads to it
    assert till.status == "merged"
    assert till.merged_into_id == web.id
    assert web.phone == "+33601020304"
    assert service.group_codes(session, web.id) == ["vip"]
    cities = sorted(a.city or "" for a in service.list_addresses(session, web.id))
    assert cities == ["Lyon", "Nantes"]
    defaults = [a.city for a in service.list_addresses(session, web.id) if a.is_default_shipping]
    assert defaults == ["Lyon"]
    assert service.has_consent(session, web.id, "sms", "marketing")
    assert service.find_by_phone(session, "06 01 02 03 04") is web
    audit = session.scalars(
        select(PrivacyAuditEntry).where(PrivacyAuditEntry.action == "customer.merged")
    ).one()
    assert (audit.actor_name, audit.object_id) == ("Nadia (support)", str(web.id))
    assert merge.merged_by == "Nadia (support)"

    # when the merge is undone
    service.unmerge(session, merge.id, actor=STAFF)
    session.expire_all()

    # then each customer has what it had before
    assert till.status == "active"
    assert till.merged_into_id is None
    assert web.phone is None
    assert till.phone == "+33601020304"
    assert [a.city for a in service.list_addresses(session, web.id)] == ["Lyon"]
    nantes = service.list_addresses(session, till.id)
    assert [(a.city, a.is_default_shipping) for a in nantes] == [("Nantes", True)]
    assert service.group_codes(session, web.id) == []
    assert service.group_codes(session, till.id) == ["vip"]
    assert not service.has_consent(session, web.id, "sms", "marketing")
    assert service.has_consent(session, till.id, "sms", "marketing")
    assert service.find_by_phone(session, "06 01 02 03 04") is till
    types = session.scalars(select(OutboxEvent.type).where(OutboxEvent.key == str(web.id))).all()
    assert types == ["customer.created", "customer.merged", "customer.unmerged"]


def test_moved_addresses_are_encrypted_under_the_key_of_their_new_customer(
    session: Session,
) -> None:
    target = make_customer(session)
    source = make_customer(session, addresses=[address(line1="3 impasse du Moulin")])
    service.merge_customers(session, target.id, source.id, actor=STAFF)
    # the source's key is destroyed: the moved address must still read, under the target's
    service.erase_customer(session, source.id)
    session.expire_all()

    moved = session.scalars(select(Address).where(Address.customer_id == target.id)).one()

    assert moved.line1 == "3 impasse du Moulin"


def test_a_merge_cannot_join_a_customer_with_itself_or_an_erased_one(session: Session) -> None:
    customer = make_customer(session)
    erased = make_customer(session)
    service.erase_customer(session, erased.id)

    with pytest.raises(service.MergeConflict):
        service.merge_customers(session, customer.id, customer.id, actor=STAFF)
    with pytest.raises(service.CustomerNotActive):
        service.merge_customers(session, customer.id, erased.id, actor=STAFF)
    assert session.scalars(select(ConsentRecord)).all() == []


def test_erasing_a_customer_erases_those_merged_into_it(session: Session) -> None:
    target = make_customer(session)
    source = make_customer(session, email="second@example.fr")
    service.merge_customers(session, target.id, source.id, actor=STAFF)

    erased = service.erase_customer(session, target.id)

    assert set(erased) == {target.id, source.id}
    assert service.find_by_email(session, "second@example.fr") is None
