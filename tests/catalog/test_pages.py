"""The catalogue's back-office pages over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Product, Variant
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_price_list, make_product, make_variant

HTMX = {"HX-Request": "true"}
LIST = "/admin/catalog/products"


def _form(client: TestClient, **values: str) -> dict[str, str]:
    token = csrf_token_of(client.get(f"{LIST}/new").text)
    return {"csrf_token": token, "status": "active", **values}


def test_an_empty_list_explains_and_offers_to_add(client: TestClient) -> None:
    html = client.get(LIST).text

    assert "<h3>Aucun produit pour l\u2019instant</h3>" in html
    assert 'href="/admin/catalog/products/new"' in html


def test_the_list_filters_by_status_through_htmx(client: TestClient, session: Session) -> None:
    make_product(session, title="Active mug", status="active")
    make_product(session, title="Draft mug", status="draft")
    session.commit()

    html = client.get(f"{LIST}?status=draft", headers=HTMX).text

    assert "Draft mug" in html
    assert "Active mug" not in html
    assert html.lstrip().startswith('<div id="products">')


def test_the_csv_export_has_one_line_per_variant(client: TestClient, session: Session) -> None:
    product = make_product(session, title="Mug", handle="mug")
    make_variant(session, product=product, sku="MUG-1")
    make_variant(session, product=product, sku="MUG-2")
    session.commit()

    response = client.get(f"{LIST}.csv")

    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines() == [
        "handle,title,status,sku,options,barcode,weight_grams",
        "mug,Mug,active,MUG-1,,,",
        "mug,Mug,active,MUG-2,,,",
    ]


def test_a_product_with_two_variants_is_created_from_the_form(
    client: TestClient, session: Session
) -> None:
    response = client.post(
        f"{LIST}/new",
        data=_form(
            client,
            title="Pull marin",
            option_names="Taille",
            sku_0="PM-S",
            options_0="S",
            sku_1="PM-M",
            options_1="M",
        ),
        follow_redirects=False,
    )

    assert response.status_code == 303
    product = session.scalar(select(Product).where(Product.handle == "pull-marin"))
    assert product is not None
    assert [v.sku for v in product.variants] == ["PM-S", "PM-M"]


def test_a_bad_barcode_shows_the_form_again_with_the_values_kept(
    client: TestClient, session: Session
) -> None:
    response = client.post(
        f"{LIST}/new",
        data=_form(client, title="Pull marin", sku_0="PM-S", barcode_0="1234567890123"),
    )

    assert response.status_code == 422
    assert 'id="barcode_0"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'value="Pull marin"' in response.text
    assert session.scalar(select(func.count()).select_from(Variant)) == 0


def test_a_price_is_set_from_the_product_page(client: TestClient, session: Session) -> None:
    variant = make_variant(session, sku="MUG-9")
    prices = make_price_list(session, name="Web EUR")
    session.commit()
    page = client.get(f"{LIST}/{variant.product_id}").text

    response = client.post(
        f"{LIST}/{variant.product_id}/prices",
        data={
            "csrf_token": csrf_token_of(page),
            "variant_id": str(variant.id),
            "price_list_id": str(prices.id),
            "amount": "24.90",
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "24,90" in response.text
