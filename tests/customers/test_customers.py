"""Customers at rest and across channels: encryption, blind-index lookups, resolve,
validation, erasure by crypto-shredding."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from comptoir.customers import schemas, service
from comptoir.customers.models import Address, Customer
from comptoir.kit.crypto import is_erased
from comptoir.kit.events.models import OutboxEvent
from tests.customers.factories import address, make_customer, make_group


def test_no_personal_value_is_stored_in_clear(session: Session) -> None:
    # given a customer with an address
    customer = make_customer(
        session,
        first_name="Éloïse",
        last_name="Dubreuil",
        email="eloise.dubreuil@example.fr",
        phone="06 11 22 33 44",
        addresses=[address(line1="8 quai des Chartrons", city="Bordeaux")],
    )
    # when the raw rows are read, as a database dump would show them
    raw = session.execute(
        text("SELECT * FROM customers_customers WHERE id = :id"),
        {
            "id": customer.id.bytes
            if session.bind and session.bind.dialect.name == "sqlite"
            else customer.id
        },
    ).one()
    raw_address = session.execute(text("SELECT * FROM customers_addresses")).all()
    dumped = repr(tuple(raw)) + repr([tuple(r) for r in raw_address])
    # then no personal value appears, in text or in bytes
    for clear in ("Éloïse", "Dubreuil", "eloise.dubreuil", "+33611223344", "Chartrons", "Bordeaux"):
        assert clear not in dumped
        assert clear.encode().hex() not in dumped
    # and the ORM reads them back
    session.expire_all()
    again = session.get(Customer, customer.id)
    assert again is not None
    assert (again.first_name, again.email, again.phone) == (
        "Éloïse",
        "eloise.dubreuil@example.fr",
        "+33611223344",
    )


def test_customers_are_found_by_email_and_phone_through_the_blind_index(session: Session) -> None:
    customer = make_customer(session, email="Jeanne.Roux@Example.fr", phone="+33 6 98 76 54 32")

    assert service.find_by_email(session, "  jeanne.roux@example.FR ") is customer
    assert service.find_by_phone(session, "06 98 76 54 32") is customer
    assert service.find_by_email(session, "jeanne.rousse@example.fr") is None


def test_resolve_finds_one_customer_across_channels(session: Session) -> None:
    # given a shopper who ordered on the web shop
    first = service.resolve_customer(session, email="luc.perrin@example.fr", source="web_shop")
    # when the same e-mail comes from the marketplace, spelled differently
    second = service.resolve_customer(
        session, email=" Luc.PERRIN@example.fr ", phone="07 12 12 12 12", source="marketplace"
    )
    # then it is the same customer, who gains the phone
    assert first.created
    assert not second.created
    assert second.customer.id == first.customer.id
    assert second.customer.phone == "+33712121212"
    assert session.scalar(select(Customer.source).where(Customer.id == first.customer.id)) == (
        "web_shop"
    )


def test_a_till_customer_known_by_phone_gains_the_email_of_a_web_order(session: Session) -> None:
    till = service.resolve_customer(session, phone="06 55 44 33 22", source="till").customer

    web = service.resolve_customer(session, email="ines@example.fr", phone="+33655443322")

    assert web.customer.id == till.id
    assert web.customer.email == "ines@example.fr"


def test_a_shared_phone_does_not_join_two_people_with_their_own_emails(session: Session) -> None:
    parent = make_customer(session, email="parent@example.fr", phone="01 40 00 00 01")

    child = service.resolve_customer(session, email="child@example.fr", phone="01 40 00 00 01")

    assert child.created
    assert child.customer.id != parent.id


def test_creating_a_customer_emits_customer_created(session: Session) -> None:
    customer = make_customer(session)

    emitted = session.scalars(select(OutboxEvent).where(OutboxEvent.key == str(customer.id))).all()

    assert [e.type for e in emitted] == ["customer.created"]
    assert emitted[0].payload == {
        "customer_id": str(customer.id),
        "kind": "person",
        "source": "back_office",
    }


def test_every_bad_field_is_named_and_nothing_is_created(session: Session) -> None:
    before = session.scalar(select(Customer.id).limit(1))
    with pytest.raises(service.InvalidCustomer) as raised:
        make_customer(
            session,
            kind="company",
            company_name=None,
            email="not-an-email",
            phone="12",
            siren="732829321",
            siret="73282932000075",
            vat_number="FR45732829320",
            addresses=[address(country="XX")],
        )

    fields = [issue.field for issue in raised.value.issues]
    assert fields == [
        "email",
        "phone",
        "siren",
        "siret",
        "vat_number",
        "company_name",
        "addresses.0.country",
    ]
    assert session.scalar(select(Customer.id).limit(1)) == before


def test_a_company_with_valid_numbers_is_created(session: Session) -> None:
    company = make_customer(
        session,
        kind="company",
        company_name="Atelier Nova",
        siret="732 829 320 00074",
        vat_number="FR 44 732829320",
    )

    assert (company.siren, company.siret, company.vat_number) == (
        "732829320",
        "73282932000074",
        "FR44732829320",
    )


def test_a_second_active_customer_cannot_take_an_email(session: Session) -> None:
    make_customer(session, email="taken@example.fr")

    with pytest.raises(service.EmailAlreadyUsed):
        make_customer(session, email="TAKEN@example.fr")


def test_groups_follow_the_catalogue_codes_and_give_the_price_group(session: Session) -> None:
    make_group(session, "pro", priority=20)
    make_group(session, "vip", priority=10)
    customer = make_customer(session, groups=["vip", "pro"])

    assert service.group_codes(session, customer.id) == ["pro", "vip"]
    assert service.price_group(session, customer.id) == "pro"
    with pytest.raises(service.InvalidCustomer) as raised:
        make_customer(session, groups=["gold"])
    assert raised.value.issues[0].field == "groups.0"


def test_erasing_destroys_the_key_and_fields_read_as_erased(session: Session) -> None:
    # given a customer with an address
    customer = make_customer(session, email="efface@example.fr", addresses=[address()])
    # when it is erased
    service.erase_customer(session, customer.id)
    session.expire_all()
    # then its personal fields read as erased, and lookups no longer find it
    erased = session.get(Customer, customer.id)
    assert erased is not None
    assert erased.status == "erased"
    assert erased.email is None
    assert is_erased(erased, "email")
    assert erased.first_name is None
    assert is_erased(erased, "first_name")
    stored = session.scalars(select(Address).where(Address.customer_id == customer.id)).one()
    assert stored.line1 is None
    assert is_erased(stored, "line1")
    assert service.find_by_email(session, "efface@example.fr") is None
    out = service.customer_out(session, erased)
    assert out.is_erased
    assert out.email is None
    with pytest.raises(service.CustomerNotActive):
        service.update_customer(session, customer.id, schemas.CustomerUpdate(first_name="X"))
