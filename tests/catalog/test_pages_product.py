"""A product's page over HTTP: details, attributes, categories, tax class, variants with
GTIN barcodes, archive, prices with tiers and margins."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Price, Product, ProductCategory, Variant
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import (
    make_category,
    make_price_list,
    make_product,
    make_tax_class,
    make_tax_rate,
    make_variant,
)

PRODUCTS = "/admin/catalog/products"
VARIANTS = "/admin/catalog/variants"


def _details(client: TestClient, product: Product, **changes: str | list[str]) -> dict[str, object]:
    page = client.get(f"{PRODUCTS}/{product.id}").text
    data: dict[str, object] = {
        "csrf_token": csrf_token_of(page),
        "revision": str(product.revision),
        "attr_rows": "3",
        "title": product.title,
        "handle": product.handle,
        "status": product.status,
        "description": "",
    }
    data.update(changes)
    return data


def test_the_details_with_tax_class_categories_and_attributes_are_saved(
    client: TestClient, session: Session
) -> None:
    product = make_product(session, title="Pull marin", handle="pull-marin")
    tax_class = make_tax_class(session, name="Normal")
    category = make_category(session, name="Pulls")
    session.commit()

    response = client.post(
        f"{PRODUCTS}/{product.id}",
        data=_details(
            client,
            product,
            title="Pull marin rayé",
            vendor="Armor",
            tax_class_id=str(tax_class.id),
            category_ids=[str(category.id)],
            attr_key_0="material",
            attr_kind_0="text",
            attr_value_0="laine",
            attr_key_1="grammage",
            attr_kind_1="decimal",
            attr_value_1="320.5",
        ),
        follow_redirects=False,
    )

    assert response.status_code == 303
    session.refresh(product)
    assert (product.title, product.vendor, product.tax_class_id) == (
        "Pull marin rayé",
        "Armor",
        tax_class.id,
    )
    assert {(a.key, a.kind, a.value) for a in product.attributes} == {
        ("material", "text", "laine"),
        ("grammage", "decimal", "320.5"),
    }
    links = session.scalars(select(ProductCategory.category_id)).all()
    assert links == [category.id]


def test_a_bad_attribute_value_is_shown_next_to_its_row_and_nothing_changes(
    client: TestClient, session: Session
) -> None:
    product = make_product(session, title="Pull marin")
    session.commit()

    response = client.post(
        f"{PRODUCTS}/{product.id}",
        data=_details(
            client,
            product,
            title="Autre titre",
            attr_key_1="pieces",
            attr_kind_1="integer",
            attr_value_1="douze",
        ),
    )

    assert response.status_code == 422
    assert 'id="attr_value_1-error"' in response.text
    assert 'value="douze"' in response.text
    assert 'value="Autre titre"' in response.text
    session.refresh(product)
    assert (product.title, product.attributes, product.revision) == ("Pull marin", [], 1)


def test_a_stale_form_is_refused(client: TestClient, session: Session) -> None:
    product = make_product(session, title="Pull marin")
    session.commit()
    data = _details(client, product, title="Premier")
    client.post(f"{PRODUCTS}/{product.id}", data=data, follow_redirects=False)

    response = client.post(f"{PRODUCTS}/{product.id}", data={**data, "title": "Second"})

    assert response.status_code == 422
    assert 'id="title-error"' in response.text
    session.refresh(product)
    assert product.title == "Premier"


def test_a_variant_is_added_with_its_options_barcode_and_dimensions(
    client: TestClient, session: Session
) -> None:
    product = make_product(session, option_names=["Taille"])
    session.commit()
    page = client.get(f"{PRODUCTS}/{product.id}/variants/new").text

    response = client.post(
        f"{PRODUCTS}/{product.id}/variants/new",
        data={
            "csrf_token": csrf_token_of(page),
            "sku": "PM-L",
            "opt_0": "L",
            "barcode": "4006381333931",
            "weight_grams": "450",
            "length_mm": "300",
            "allows_backorder": "1",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    variant = session.scalars(select(Variant).where(Variant.sku == "PM-L")).one()
    assert (variant.option_values, variant.barcode, variant.weight_grams, variant.length_mm) == (
        {"Taille": "L"},
        "4006381333931",
        450,
        300,
    )
    assert variant.allows_backorder is True


def test_a_bad_barcode_is_shown_next_to_its_field_in_french_and_english(
    client: TestClient, session: Session
) -> None:
    product = make_product(session)
    session.commit()
    page = client.get(f"{PRODUCTS}/{product.id}/variants/new").text
    data = {"csrf_token": csrf_token_of(page), "sku": "PM-XL", "barcode": "4006381333932"}

    french = client.post(f"{PRODUCTS}/{product.id}/variants/new", data=data)
    client.cookies.set("comptoir_locale", "en")
    english = client.post(f"{PRODUCTS}/{product.id}/variants/new", data=data)

    assert french.status_code == english.status_code == 422
    for response in (french, english):
        error = response.text.split('id="barcode-error"', 1)[1].split("</p>", 1)[0]
        assert "4006381333932" in error
        assert 'value="PM-XL"' in response.text
    assert "n\u2019est pas un GTIN" in french.text
    assert "is not a valid GTIN" in english.text
    assert session.scalar(select(func.count()).select_from(Variant)) == 0


def test_a_variant_is_edited_and_a_taken_sku_is_refused(
    client: TestClient, session: Session
) -> None:
    product = make_product(session)
    variant = make_variant(session, product=product, sku="PM-S", barcode="4006381333931")
    make_variant(session, product=product, sku="PM-M")
    session.commit()
    page = client.get(f"{VARIANTS}/{variant.id}").text
    token = csrf_token_of(page)

    saved = client.post(
        f"{VARIANTS}/{variant.id}",
        data={"csrf_token": token, "sku": "PM-S", "barcode": "", "weight_grams": "200"},
        follow_redirects=False,
    )
    taken = client.post(
        f"{VARIANTS}/{variant.id}", data={"csrf_token": token, "sku": "PM-M", "barcode": ""}
    )

    assert saved.status_code == 303
    assert taken.status_code == 422
    assert 'id="sku-error"' in taken.text
    session.refresh(variant)
    assert (variant.sku, variant.barcode, variant.weight_grams) == ("PM-S", None, 200)


def test_a_variant_is_archived_and_sold_again(client: TestClient, session: Session) -> None:
    variant = make_variant(session)
    session.commit()
    token = csrf_token_of(client.get(f"{VARIANTS}/{variant.id}").text)

    archived = client.post(
        f"{VARIANTS}/{variant.id}/archive", data={"csrf_token": token}, follow_redirects=True
    )
    session.refresh(variant)
    assert variant.is_active is False
    assert "Archivé" in archived.text
    client.post(f"{VARIANTS}/{variant.id}/archive", data={"csrf_token": token, "restore": "1"})
    session.refresh(variant)
    assert variant.is_active is True


def test_the_product_page_shows_cost_and_margin_of_a_tax_included_price(
    client: TestClient, session: Session
) -> None:
    tax_class = make_tax_class(session)
    make_tax_rate(session, tax_class=tax_class, rate=Decimal("20"))
    product = make_product(session, tax_class_id=tax_class.id)
    variant = make_variant(
        session, product=product, sku="MUG-1", cost_unit_minor=400, cost_currency="EUR"
    )
    prices = make_price_list(session, name="Public")
    session.add(Price(price_list_id=prices.id, variant_id=variant.id, amount_minor=1200))
    session.commit()

    html = client.get(f"{PRODUCTS}/{product.id}").text

    row = html.split('id="product-prices"', 1)[1].split("MUG-1", 1)[1].split("</tr>", 1)[0]
    assert "12,00\u00a0€" in row
    assert "6,00\u00a0€" in row  # 12.00 incl. 20 % = 10.00 net, minus a cost of 4.00
    assert "60 %" in row


def test_a_tier_price_with_a_compare_at_price_is_set_from_the_product_page(
    client: TestClient, session: Session
) -> None:
    variant = make_variant(session, sku="MUG-9")
    prices = make_price_list(session)
    session.commit()
    page = client.get(f"{PRODUCTS}/{variant.product_id}").text
    data = {
        "csrf_token": csrf_token_of(page),
        "variant_id": str(variant.id),
        "price_list_id": str(prices.id),
        "min_quantity": "6",
        "amount": "20",
        "compare_at": "24,90",
    }

    refused = client.post(f"{PRODUCTS}/{variant.product_id}/prices", data={**data, "amount": "-1"})
    saved = client.post(
        f"{PRODUCTS}/{variant.product_id}/prices", data=data, follow_redirects=False
    )

    assert refused.status_code == 422
    assert 'id="amount-error"' in refused.text
    assert saved.status_code == 303
    price = session.scalars(select(Price)).one()
    assert (price.min_quantity, price.amount_minor, price.compare_at_minor) == (6, 2000, 2490)
