"""The supplier page of the back office: details and price list, through the HTTP client."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from fastapi.testclient import TestClient

from comptoir.kit.db.engine import Database
from comptoir.purchasing import service
from comptoir.purchasing.schemas import SupplierPriceCreate
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_variant
from tests.purchasing.factories import make_supplier

EN = {"Accept-Language": "en"}
SUPPLIERS = "/admin/purchasing/suppliers"


def _supplier(db: Database, *, with_price: bool = False) -> tuple[uuid.UUID, uuid.UUID]:
    """A supplier usually delivering in 7 days and a variant ``JUG-BLUE`` (on its price list
    as ``CR-77`` at 5.40 with ``with_price``)."""
    with db.transaction() as session:
        supplier = make_supplier(session, name="Céramiques Roux", contact_name="Léa Roux")
        variant = make_variant(session, sku="JUG-BLUE")
        if with_price:
            service.set_supplier_price(
                session,
                supplier.id,
                SupplierPriceCreate(
                    variant_id=variant.id, supplier_sku="CR-77", unit_cost=Decimal("5.40")
                ),
            )
        return supplier.id, variant.id


def _prices(db: Database, supplier_id: uuid.UUID) -> list[tuple[str, str, int, int, str]]:
    with db.transaction(readonly=True) as session:
        return [
            (
                p.supplier_sku,
                p.unit_cost.amount,
                p.min_order_quantity,
                p.lead_time_days,
                p.lead_time_from,
            )
            for p in service.supplier_prices(session, supplier_id)
        ]


def _price_row(html: str, variant_id: uuid.UUID) -> str:
    return html.split(f'id="price-{variant_id}"', 1)[1].split("</tr>", 1)[0]


def test_the_list_links_each_supplier_to_its_page(admin_client: TestClient, db: Database) -> None:
    supplier_id, _variant = _supplier(db)

    listed = admin_client.get(SUPPLIERS, headers=EN)
    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)

    assert f'href="{SUPPLIERS}/{supplier_id}"' in listed.text
    assert page.status_code == 200
    assert "Céramiques Roux" in page.text
    assert re.search(r'id="contact_name"[^>]*value="Léa Roux"', page.text)
    assert "No price yet" in page.text
    assert f'href="/admin/purchasing/orders?supplier_id={supplier_id}"' in page.text


def test_an_unknown_supplier_answers_404(admin_client: TestClient) -> None:
    assert admin_client.get(f"{SUPPLIERS}/{uuid.uuid4()}").status_code == 404


def test_the_price_list_shows_reference_variant_cost_and_usual_lead_time(
    admin_client: TestClient, db: Database
) -> None:
    supplier_id, variant_id = _supplier(db, with_price=True)

    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)

    row = _price_row(page.text, variant_id)
    assert "CR-77" in row
    assert "JUG-BLUE" in row
    assert "€5.40" in row
    assert re.search(r'class="num">7<div class="cell-sub">usual', row)


def test_the_details_are_saved(admin_client: TestClient, db: Database) -> None:
    # given
    supplier_id, _variant = _supplier(db)
    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)

    # when the lead time and contact change, the e-mail is added and it is switched off
    response = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}",
        data={
            "csrf_token": csrf_token_of(page.text),
            "name": "Céramiques Roux",
            "contact_name": "",
            "email": "pro@roux.example",
            "phone": "",
            "siret": "",
            "payment_terms_days": "45",
            "lead_time_days": "12",
            "notes": "Closed in August",
        },
        follow_redirects=False,
    )

    # then
    assert response.status_code == 303
    with db.transaction(readonly=True) as session:
        supplier = service.get_supplier(session, supplier_id)
        assert (
            supplier.contact_name,
            supplier.email,
            supplier.payment_terms_days,
            supplier.lead_time_days,
            supplier.notes,
            supplier.is_active,
        ) == (None, "pro@roux.example", 45, 12, "Closed in August", False)


def test_bad_details_are_refused_with_the_values_kept(
    admin_client: TestClient, db: Database
) -> None:
    # given
    supplier_id, _variant = _supplier(db)
    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)

    # when the lead time is not a number and the SIRET too short
    response = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}",
        data={
            "csrf_token": csrf_token_of(page.text),
            "name": "Roux et fils",
            "lead_time_days": "soon",
            "siret": "123",
            "payment_terms_days": "30",
            "is_active": "1",
        },
        headers=EN,
    )

    # then both are named, what was typed is kept, and nothing changed
    assert response.status_code == 422
    assert 'href="#lead_time_days"' in response.text
    assert 'href="#siret"' in response.text
    assert re.search(r'id="name"[^>]*value="Roux et fils"', response.text)
    assert re.search(r'id="lead_time_days"[^>]*value="soon"', response.text)
    with db.transaction(readonly=True) as session:
        supplier = service.get_supplier(session, supplier_id)
        assert (supplier.name, supplier.lead_time_days) == ("Céramiques Roux", 7)


def test_a_price_is_added_changed_and_removed(admin_client: TestClient, db: Database) -> None:
    # given a supplier with an empty price list
    supplier_id, variant_id = _supplier(db)
    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)
    token = csrf_token_of(page.text)

    # when a price is added by the variant's SKU
    added = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}/prices",
        data={
            "csrf_token": token,
            "price_sku": "JUG-BLUE",
            "price_supplier_sku": "CR-77",
            "price_unit_cost": "5,40",
            "price_min_order_quantity": "6",
            "price_lead_time_days": "",
        },
        follow_redirects=False,
    )
    # then it is on the list with the supplier's usual lead time
    assert added.status_code == 303
    assert _prices(db, supplier_id) == [("CR-77", "5.40", 6, 7, "supplier")]

    # when its change form is opened, it holds the price
    editing = admin_client.get(f"{SUPPLIERS}/{supplier_id}?variant={variant_id}", headers=EN)
    assert "Change the price of JUG-BLUE" in editing.text
    assert re.search(r'id="price_unit_cost"[^>]*value="5.40"', editing.text)
    assert re.search(r'id="price_lead_time_days"[^>]*value=""', editing.text)

    # when the cost and lead time change
    changed = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}/prices",
        data={
            "csrf_token": token,
            "price_sku": "JUG-BLUE",
            "price_supplier_sku": "CR-77",
            "price_unit_cost": "5.95",
            "price_min_order_quantity": "6",
            "price_lead_time_days": "20",
        },
        follow_redirects=False,
    )
    # then the price is replaced, not duplicated
    assert changed.status_code == 303
    assert _prices(db, supplier_id) == [("CR-77", "5.95", 6, 20, "price_list")]

    # when it is removed
    removed = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}/prices/{variant_id}/remove",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    # then the list is empty
    assert removed.status_code == 303
    assert _prices(db, supplier_id) == []
    assert "No price yet" in admin_client.get(removed.headers["location"], headers=EN).text


def test_an_unknown_sku_and_a_bad_cost_are_named_and_nothing_is_saved(
    admin_client: TestClient, db: Database
) -> None:
    supplier_id, _variant = _supplier(db)
    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)

    response = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}/prices",
        data={
            "csrf_token": csrf_token_of(page.text),
            "price_sku": "JUG-GREEN",
            "price_supplier_sku": "CR-78",
            "price_unit_cost": "cheap",
        },
        headers=EN,
    )

    assert response.status_code == 422
    assert "No variant of the catalogue has this SKU." in response.text
    assert 'href="#price_sku"' in response.text
    assert 'href="#price_unit_cost"' in response.text
    assert re.search(r'id="price_supplier_sku"[^>]*value="CR-78"', response.text)
    assert _prices(db, supplier_id) == []


def test_a_reference_taken_by_another_variant_is_shown_next_to_it(
    admin_client: TestClient, db: Database
) -> None:
    # given CR-77 is the jug's reference, and another variant
    supplier_id, _jug = _supplier(db, with_price=True)
    with db.transaction() as session:
        make_variant(session, sku="JUG-GREEN")
    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)

    # when the other variant is given the same reference
    response = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}/prices",
        data={
            "csrf_token": csrf_token_of(page.text),
            "price_sku": "JUG-GREEN",
            "price_supplier_sku": "CR-77",
            "price_unit_cost": "5.40",
        },
        headers=EN,
    )

    # then the reference is marked and the list is unchanged
    assert response.status_code == 422
    assert 'id="price_supplier_sku-error"' in response.text
    assert _prices(db, supplier_id) == [("CR-77", "5.40", 1, 7, "supplier")]


def test_removing_a_price_not_on_the_list_says_so(admin_client: TestClient, db: Database) -> None:
    supplier_id, variant_id = _supplier(db)
    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)

    response = admin_client.post(
        f"{SUPPLIERS}/{supplier_id}/prices/{variant_id}/remove",
        data={"csrf_token": csrf_token_of(page.text)},
        headers=EN,
    )

    assert response.status_code == 404
    assert "This supplier has no price for this variant." in response.text


def test_a_new_order_from_the_supplier_page_has_the_supplier_chosen(
    admin_client: TestClient, db: Database
) -> None:
    supplier_id, _variant = _supplier(db)

    page = admin_client.get(f"{SUPPLIERS}/{supplier_id}", headers=EN)
    form = admin_client.get(f"/admin/purchasing/orders/new?supplier_id={supplier_id}", headers=EN)

    assert f'href="/admin/purchasing/orders/new?supplier_id={supplier_id}"' in page.text
    assert f'<option value="{supplier_id}" selected>' in form.text
