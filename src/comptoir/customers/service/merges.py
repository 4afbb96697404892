"""Merging two customers who are one person, and undoing it.

A merge keeps the source customer as a ``merged`` row pointing at the target: its e-mail and
phone keep leading to the target, and an unmerge can bring it back. Its addresses and consent
records move to the target (re-encrypted under the target's data key), the target joins its
groups and takes the profile fields it lacked (with the VIES check of a VAT number it takes or
shares but never had checked). Its orders, open carts and draft orders become the target's
(through the orders service, in the same transaction), and so do the shopper accounts tied to
it. The merge row lists every one of those, so an unmerge puts each back where it came from;
what was added to the target after the merge stays with the target. Both operations are
written to the audit trail with who and when.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from comptoir.customers import events
from comptoir.customers.errors import MergeConflict, MergeNotFound
from comptoir.customers.models import (
    Address,
    ConsentRecord,
    Customer,
    CustomerMerge,
    GroupMembership,
)
from comptoir.customers.service.customers import active_customer, get_customer
from comptoir.identity.shoppers import service as shoppers
from comptoir.kit import clock
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.orders import service as orders
from comptoir.privacy import service as privacy
from comptoir.privacy.schemas import AuditActor, FieldChange, RequestMeta

FILLED_FIELDS: Final = (
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "siren",
    "siret",
    "vat_number",
)
VAT_CHECK_FIELDS: Final = ("vat_checked_at", "vat_check_valid", "vat_check_request_identifier")
AUDITED_TABLE: Final = "customers_customers"


def actor_label(actor: AuditActor) -> str:
    """How a merge row names who did it: the actor's name when it has one that is not
    personal data (the system, an API client), else its kind and id."""
    return actor.display_name or f"{actor.kind}:{actor.id}"


def merge_customers(
    session: Session,
    target_id: uuid.UUID,
    source_id: uuid.UUID,
    *,
    actor: AuditActor,
    meta: RequestMeta | None = None,
) -> CustomerMerge:
    """Merge ``source_id`` into ``target_id``; emits ``customer.merged`` and records the
    merge in the audit trail. Raises :class:`CustomerNotFound`, :class:`CustomerNotActive`
    (either one merged or erased), :class:`MergeConflict` (a customer with itself)."""
    if target_id == source_id:
        raise MergeConflict(_l("A customer cannot be merged with itself."), field="source_id")
    target = active_customer(session, target_id)
    source = active_customer(session, source_id)
    moved: dict[str, Any] = {"addresses": [], "consents": [], "groups": [], "fields": []}
    has_shipping = any(a.is_default_shipping for a in _addresses(session, target.id))
    has_billing = any(a.is_default_billing for a in _addresses(session, target.id))
    for address in _addresses(session, source.id):
        moved["addresses"].append(
            {
                "id": str(address.id),
                "shipping": address.is_default_shipping,
                "billing": address.is_default_billing,
            }
        )
        address.customer_id = target.id
        address.is_default_shipping = address.is_default_shipping and not has_shipping
        address.is_default_billing = address.is_default_billing and not has_billing
    for record in session.scalars(
        select(ConsentRecord).where(ConsentRecord.customer_id == source.id)
    ):
        moved["consents"].append(str(record.id))
        record.customer_id = target.id
    target_groups = set(_group_ids(session, target.id))
    for group_id in _group_ids(session, source.id):
        if group_id not in target_groups:
            session.add(GroupMembership(customer_id=target.id, group_id=group_id))
            moved["groups"].append(str(group_id))
    source.status = "merged"
    source.merged_into_id = target.id
    session.flush()  # the source stops being active before the target takes its e-mail
    for name in FILLED_FIELDS:
        value = getattr(source, name)
        if value is not None and getattr(target, name) is None:
            setattr(target, name, value)
            moved["fields"].append(name)
    moved["vat_check"] = _take_vat_check(target, source)
    label = actor_label(actor)
    moved["orders"] = orders.reassign_customer(
        session, from_customer_id=source.id, to_customer_id=target.id, actor=label
    ).as_json()
    moved["shoppers"] = [
        str(i)
        for i in shoppers.relink_accounts(
            session, from_customer_id=source.id, to_customer_id=target.id
        )
    ]
    merge = CustomerMerge(
        target_id=target.id,
        source_id=source.id,
        merged_at=clock.now(),
        merged_by=label,
        moved=moved,
    )
    session.add(merge)
    session.flush()
    privacy.record(
        session,
        actor=actor,
        action="customer.merged",
        object_type=AUDITED_TABLE,
        object_id=target.id,
        request_meta=meta,
        changes={
            "merged_customer_id": FieldChange(new=str(source.id)),
            "merge_id": FieldChange(new=str(merge.id)),
            **_moved_counts(moved),
        },
    )
    emit(
        session,
        events.CUSTOMER_MERGED,
        events.CustomerMerged(
            merge_id=merge.id,
            target_id=target.id,
            source_id=source.id,
            merged_by=merge.merged_by,
        ),
        key=target.id,
    )
    return merge


def unmerge(
    session: Session, merge_id: uuid.UUID, *, actor: AuditActor, meta: RequestMeta | None = None
) -> CustomerMerge:
    """Undo a merge: the source customer is active again with the addresses, consent records,
    groups, profile fields, VIES check, orders, open carts, draft orders and shopper accounts
    it brought (those still on the target). Emits
    ``customer.unmerged`` and records it in the audit trail. Raises :class:`MergeNotFound`,
    :class:`MergeConflict` (already undone, or the target was itself merged or erased since:
    undo that first)."""
    merge = session.get(CustomerMerge, merge_id)
    if merge is None:
        raise MergeNotFound()
    if merge.unmerged_at is not None:
        raise MergeConflict(_l("This merge was already undone."))
    target = get_customer(session, merge.target_id)
    source = get_customer(session, merge.source_id)
    if target.status != "active" or source.merged_into_id != target.id:
        raise MergeConflict(
            _l("The customer was merged or erased since: undo that first."), field="merge_id"
        )
    moved = merge.moved
    if moved.get("vat_check") and all(
        getattr(target, name) == getattr(source, name) for name in VAT_CHECK_FIELDS
    ):
        for name in VAT_CHECK_FIELDS:
            setattr(target, name, None)
    for name in moved.get("fields", []):
        if getattr(target, name) == getattr(source, name):
            setattr(target, name, None)
    session.flush()  # the target lets go of the e-mail before the source takes it back
    source.status = "active"
    source.merged_into_id = None
    flags = {item["id"]: item for item in moved.get("addresses", [])}
    for address in session.scalars(
        select(Address).where(
            Address.customer_id == target.id, Address.id.in_([uuid.UUID(i) for i in flags])
        )
    ):
        address.customer_id = source.id
        address.is_default_shipping = bool(flags[str(address.id)]["shipping"])
        address.is_default_billing = bool(flags[str(address.id)]["billing"])
    for record in session.scalars(
        select(ConsentRecord).where(
            ConsentRecord.customer_id == target.id,
            ConsentRecord.id.in_([uuid.UUID(i) for i in moved.get("consents", [])]),
        )
    ):
        record.customer_id = source.id
    groups = [uuid.UUID(i) for i in moved.get("groups", [])]
    if groups:
        session.execute(
            delete(GroupMembership).where(
                GroupMembership.customer_id == target.id, GroupMembership.group_id.in_(groups)
            )
        )
    merge.unmerged_at = clock.now()
    merge.unmerged_by = actor_label(actor)
    orders.reassign_customer(
        session,
        from_customer_id=target.id,
        to_customer_id=source.id,
        only=orders.ReassignedRecords.from_json(moved.get("orders", {})),
        actor=merge.unmerged_by,
    )
    shoppers.relink_accounts(
        session,
        from_customer_id=target.id,
        to_customer_id=source.id,
        only=[uuid.UUID(i) for i in moved.get("shoppers", [])],
    )
    session.flush()
    privacy.record(
        session,
        actor=actor,
        action="customer.unmerged",
        object_type=AUDITED_TABLE,
        object_id=target.id,
        request_meta=meta,
        changes={
            "unmerged_customer_id": FieldChange(new=str(source.id)),
            "merge_id": FieldChange(new=str(merge.id)),
        },
    )
    emit(
        session,
        events.CUSTOMER_UNMERGED,
        events.CustomerUnmerged(
            merge_id=merge.id,
            target_id=target.id,
            source_id=source.id,
            unmerged_by=merge.unmerged_by,
        ),
        key=target.id,
    )
    return merge


def _take_vat_check(target: Customer, source: Customer) -> bool:
    """Give the target the source's VIES check when it is of the VAT number they now share
    and the target has none of its own; whether it did."""
    if target.vat_checked_at is not None or source.vat_checked_at is None:
        return False
    if target.vat_number is None or target.vat_number != source.vat_number:
        return False
    for name in VAT_CHECK_FIELDS:
        setattr(target, name, getattr(source, name))
    return True


def _moved_counts(moved: dict[str, Any]) -> dict[str, FieldChange]:
    """How many orders, carts, draft orders and shopper accounts a merge moved, for the
    audit trail (ids stay on the merge row)."""
    records = moved["orders"]
    return {
        "moved_orders": FieldChange(new=len(records["orders"])),
        "moved_carts": FieldChange(new=len(records["carts"])),
        "moved_draft_orders": FieldChange(new=len(records["drafts"])),
        "moved_shopper_accounts": FieldChange(new=len(moved["shoppers"])),
    }


def merges_of(session: Session, customer_id: uuid.UUID) -> list[CustomerMerge]:
    """The merges where the customer was the target or the source, newest first."""
    return list(
        session.scalars(
            select(CustomerMerge)
            .where(
                (CustomerMerge.target_id == customer_id) | (CustomerMerge.source_id == customer_id)
            )
            .order_by(CustomerMerge.merged_at.desc(), CustomerMerge.id.desc())
        )
    )


def _addresses(session: Session, customer_id: uuid.UUID) -> list[Address]:
    return list(
        session.scalars(
            select(Address).where(Address.customer_id == customer_id).order_by(Address.id)
        )
    )


def _group_ids(session: Session, customer_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(GroupMembership.group_id).where(GroupMembership.customer_id == customer_id)
        )
    )


def with_merged_ids(session: Session, customer_id: uuid.UUID) -> list[uuid.UUID]:
    """The customer's id and those of every customer merged into her, directly or through
    another merge: what was recorded under any of them is hers."""
    ids, frontier = [customer_id], [customer_id]
    while frontier:
        frontier = [
            merged.id
            for parent in frontier
            for merged in merged_customers(session, parent)
            if merged.id not in ids
        ]
        ids += frontier
    return ids


def merged_customers(session: Session, customer_id: uuid.UUID) -> list[Customer]:
    """The customers merged into this one (directly)."""
    return list(
        session.scalars(
            select(Customer).where(Customer.merged_into_id == customer_id).order_by(Customer.id)
        )
    )
