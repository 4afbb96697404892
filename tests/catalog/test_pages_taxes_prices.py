"""The tax-class and price-list screens over HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Price, PriceHistory, PriceList, TaxClass, TaxRate
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import (
    make_channel,
    make_price,
    make_price_list,
    make_tax_class,
    make_tax_rate,
    make_variant,
)

TAXES = "/admin/catalog/taxes"
LISTS = "/admin/catalog/price-lists"


def _count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_tax_classes_show_the_rates_in_force_today(
    client: TestClient, session: Session
) -> None:
    reduced = make_tax_class(session, name="Taux réduit (livres)")
    make_tax_rate(session, tax_class=reduced, rate=Decimal("5.5"))
    make_tax_rate(
        session, tax_class=reduced, rate=Decimal("7"), country="DE", valid_to=date(2020, 1, 1)
    )
    session.commit()

    html = client.get(TAXES).text

    row = html.split("Taux réduit (livres)", 1)[1].split("</tr>", 1)[0]
    assert "FR 5,5 %" in row
    assert "DE" not in row


def test_a_tax_class_is_added_and_a_duplicate_code_is_refused(
    client: TestClient, session: Session
) -> None:
    make_tax_class(session, code="standard")
    session.commit()
    before = _count(session, TaxClass)
    token = csrf_token_of(client.get(TAXES).text)

    created = client.post(
        TAXES,
        data={"csrf_token": token, "code": "reduced", "name": "Réduit"},
        follow_redirects=False,
    )
    refused = client.post(TAXES, data={"csrf_token": token, "code": "standard", "name": "Bis"})

    assert created.status_code == 303
    assert refused.status_code == 422
    assert 'id="code-error"' in refused.text
    assert 'value="Bis"' in refused.text
    assert _count(session, TaxClass) == before + 1


def test_a_rate_is_added_with_its_validity_dates(client: TestClient, session: Session) -> None:
    tax_class = make_tax_class(session)
    session.commit()
    page = client.get(f"{TAXES}/{tax_class.id}").text

    response = client.post(
        f"{TAXES}/{tax_class.id}/rates",
        data={
            "csrf_token": csrf_token_of(page),
            "country": "fr",
            "rate": "5,5",
            "valid_from": "2014-01-01",
            "valid_to": "2030-01-01",
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    rate = session.scalars(select(TaxRate).where(TaxRate.tax_class_id == tax_class.id)).one()
    assert (rate.country, rate.rate, rate.valid_from, rate.valid_to) == (
        "FR",
        Decimal("5.5"),
        date(2014, 1, 1),
        date(2030, 1, 1),
    )
    assert "En vigueur" in response.text


def test_an_overlapping_rate_is_refused_next_to_its_start_date(
    client: TestClient, session: Session
) -> None:
    tax_class = make_tax_class(session)
    make_tax_rate(session, tax_class=tax_class, valid_from=date(2014, 1, 1))
    session.commit()
    before = _count(session, TaxRate)
    page = client.get(f"{TAXES}/{tax_class.id}").text

    response = client.post(
        f"{TAXES}/{tax_class.id}/rates",
        data={
            "csrf_token": csrf_token_of(page),
            "country": "FR",
            "rate": "21",
            "valid_from": "2026-01-01",
        },
    )
    no_date = client.post(
        f"{TAXES}/{tax_class.id}/rates",
        data={"csrf_token": csrf_token_of(page), "country": "FR", "rate": "abc"},
    )

    assert response.status_code == no_date.status_code == 422
    assert 'id="valid_from-error"' in response.text
    assert 'value="21"' in response.text
    assert 'id="rate-error"' in no_date.text
    assert 'id="valid_from-error"' in no_date.text
    assert _count(session, TaxRate) == before


def test_the_price_lists_show_channel_currency_group_and_count(
    client: TestClient, session: Session
) -> None:
    channel = make_channel(session, name="Boutique web")
    pro = make_price_list(session, name="Professionnels", customer_group="pro", channel=channel)
    make_price(session, price_list=pro, variant=make_variant(session))
    session.commit()

    html = client.get(LISTS).text

    row = html.split("Professionnels", 1)[1].split("</tr>", 1)[0]
    assert "Boutique web" in row
    assert "pro" in row
    assert ">1</td>" in row


def test_a_price_list_is_added_and_a_bad_currency_is_refused(
    client: TestClient, session: Session
) -> None:
    token = csrf_token_of(client.get(f"{LISTS}/new").text)

    created = client.post(
        f"{LISTS}/new",
        data={
            "csrf_token": token,
            "code": "pro-eur",
            "name": "Pros",
            "currency": "eur",
            "customer_group": "pro",
            "priority": "5",
            "is_active": "1",
        },
        follow_redirects=False,
    )
    refused = client.post(
        f"{LISTS}/new",
        data={"csrf_token": token, "code": "x", "name": "X", "currency": "EURO"},
    )

    assert created.status_code == 303
    price_list = session.scalars(select(PriceList)).one()
    assert (price_list.currency, price_list.customer_group, price_list.priority) == (
        "EUR",
        "pro",
        5,
    )
    assert price_list.prices_include_tax is False
    assert refused.status_code == 422
    assert 'id="currency-error"' in refused.text
    assert _count(session, PriceList) == 1


def test_a_tier_price_is_set_in_a_list_by_sku_and_removed(
    client: TestClient, session: Session
) -> None:
    variant = make_variant(session, sku="MUG-12")
    price_list = make_price_list(session)
    session.commit()
    page = client.get(f"{LISTS}/{price_list.id}").text

    response = client.post(
        f"{LISTS}/{price_list.id}/prices",
        data={
            "csrf_token": csrf_token_of(page),
            "sku": "MUG-12",
            "min_quantity": "12",
            "amount": "8,50",
            "compare_at": "",
        },
        follow_redirects=True,
    )

    assert "8,50" in response.text
    price = session.scalars(select(Price)).one()
    assert (price.min_quantity, price.amount_minor) == (12, 850)
    removed = client.post(
        f"{LISTS}/{price_list.id}/prices/{variant.id}/12/remove",
        data={"csrf_token": csrf_token_of(page)},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert _count(session, Price) == 0
    assert [h.amount_minor for h in session.scalars(select(PriceHistory))] == [850, None]


def test_an_unknown_sku_or_a_bad_amount_sets_no_price(client: TestClient, session: Session) -> None:
    make_variant(session, sku="MUG-12")
    price_list = make_price_list(session)
    session.commit()
    token = csrf_token_of(client.get(f"{LISTS}/{price_list.id}").text)

    unknown = client.post(
        f"{LISTS}/{price_list.id}/prices",
        data={"csrf_token": token, "sku": "NOPE", "amount": "8"},
    )
    bad = client.post(
        f"{LISTS}/{price_list.id}/prices",
        data={"csrf_token": token, "sku": "MUG-12", "amount": "huit", "min_quantity": "0"},
    )

    assert unknown.status_code == bad.status_code == 422
    assert 'id="sku-error"' in unknown.text
    assert 'id="amount-error"' in bad.text
    assert 'id="min_quantity-error"' in bad.text
    assert 'value="huit"' in bad.text
    assert _count(session, Price) == 0
