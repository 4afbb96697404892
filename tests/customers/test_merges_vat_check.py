"""The VIES check of a VAT number follows a merge when the customer kept has none, and goes
back with the unmerge."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from comptoir.customers import service
from comptoir.customers.models import Customer
from comptoir.customers.vies import VatCheck
from comptoir.privacy.schemas import AuditActor
from tests.customers.factories import make_customer

STAFF = AuditActor(kind="staff", id=None, display_name="Nadia (support)")
VAT = "FR40303265045"
CHECKED_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _company(session: Session, *, vat_number: str | None, checked: str | None) -> Customer:
    customer = make_customer(
        session, kind="company", company_name="Odigo", email=None, vat_number=vat_number
    )
    if checked is not None and vat_number is not None:
        check = VatCheck(
            valid=True,
            name="SA ODIGO",
            address=None,
            checked_at=CHECKED_AT,
            request_identifier=checked,
        )
        assert service.record_vat_check(session, customer.id, vat_number, check)
    return customer


def _check_of(customer: Customer) -> tuple[str | None, bool | None, str | None]:
    return (customer.vat_number, customer.vat_check_valid, customer.vat_check_request_identifier)


def test_the_kept_customer_takes_the_vat_number_with_its_check_and_gives_both_back(
    session: Session,
) -> None:
    # given a customer without VAT number and a duplicate whose number VIES confirmed
    kept = _company(session, vat_number=None, checked=None)
    duplicate = _company(session, vat_number=VAT, checked="WAPIAAAAZ5kX3nQb")

    # when the duplicate is merged into the customer kept
    merge = service.merge_customers(session, kept.id, duplicate.id, actor=STAFF)

    # then the customer kept has the number and the proof of its check
    assert _check_of(kept) == (VAT, True, "WAPIAAAAZ5kX3nQb")
    assert kept.vat_checked_at is not None

    # when the merge is undone, the number and its check leave with the duplicate
    service.unmerge(session, merge.id, actor=STAFF)
    session.expire_all()
    assert _check_of(kept) == (None, None, None)
    assert kept.vat_checked_at is None
    assert _check_of(duplicate) == (VAT, True, "WAPIAAAAZ5kX3nQb")


def test_the_same_unchecked_number_takes_the_duplicates_check(session: Session) -> None:
    # given both records carry the same number, only the duplicate's was checked
    kept = _company(session, vat_number=VAT, checked=None)
    duplicate = _company(session, vat_number=VAT, checked="WAPIAAAAZ5kX3nQb")

    service.merge_customers(session, kept.id, duplicate.id, actor=STAFF)

    assert _check_of(kept) == (VAT, True, "WAPIAAAAZ5kX3nQb")


def test_a_check_of_its_own_or_of_another_number_is_kept(session: Session) -> None:
    # given the kept customer has its own check, and another has a different, checked number
    kept = _company(session, vat_number=VAT, checked="OWN-CHECK")
    duplicate = _company(session, vat_number=VAT, checked="DUPLICATE-CHECK")
    other = _company(session, vat_number=None, checked=None)
    other_number = _company(session, vat_number="DE123456789", checked="DE-CHECK")
    other.vat_number = "FR83404833048"

    service.merge_customers(session, kept.id, duplicate.id, actor=STAFF)
    service.merge_customers(session, other.id, other_number.id, actor=STAFF)

    # then neither customer kept takes a check that is not of its number or not needed
    assert _check_of(kept) == (VAT, True, "OWN-CHECK")
    assert _check_of(other) == ("FR83404833048", None, None)
