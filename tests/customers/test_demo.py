"""The BoutiqueNova customers: seeded once, valid company numbers, consents, groups."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.customers import service
from comptoir.customers.demo import COMPANIES, PEOPLE, seed_customers
from comptoir.customers.identifiers import is_valid_siret, is_valid_vat_number
from comptoir.customers.models import ConsentRecord, Customer
from comptoir.kit.settings import Settings


def test_the_demo_customers_are_seeded_once_with_valid_company_numbers(
    session: Session, settings: Settings
) -> None:
    first = seed_customers(session, settings)
    second = seed_customers(session, settings)

    companies = session.scalars(select(Customer).where(Customer.kind == "company")).all()
    assert first.startswith("Customers: 300 people")
    assert second == "Customers: already seeded."
    assert session.scalar(select(func.count()).select_from(Customer)) == PEOPLE + COMPANIES
    assert len(companies) == COMPANIES
    assert all(is_valid_siret(c.siret or "") for c in companies)
    assert all(is_valid_vat_number(c.vat_number or "") for c in companies)
    assert all(service.price_group(session, c.id) == "pro" for c in companies)
    assert (session.scalar(select(func.count()).select_from(ConsentRecord)) or 0) > PEOPLE // 3
