"""The categories in the back office (the tree, adding one, renaming or moving one) and their
admin API (``PATCH /api/v1/catalog/categories/{id}``)."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Category, ProductCategory
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_category, make_product
from tests.support.auth import act_as

EN = {"Accept-Language": "en"}
PAGE = "/admin/catalog/categories"
API = "/api/v1/catalog/categories"


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Category)) or 0


def _app(api: TestClient) -> FastAPI:
    app = api.app
    assert isinstance(app, FastAPI)
    return app


def test_the_catalogue_navigation_leads_to_the_categories(client: TestClient) -> None:
    html = client.get("/admin/catalog/products", headers=EN).text

    assert f'href="{PAGE}"' in html


def test_the_tree_shows_subcategories_under_their_parent_with_their_products(
    client: TestClient, session: Session
) -> None:
    # given Clothing > Shirts holding two products, and Kitchen
    clothing = make_category(session, name="Clothing", handle="clothing", position=1)
    shirts = make_category(session, name="Shirts", handle="shirts", parent=clothing)
    make_category(session, name="Kitchen", handle="kitchen", position=2)
    for _ in range(2):
        session.add(ProductCategory(product_id=make_product(session).id, category_id=shirts.id))
    session.commit()

    # when the categories page is opened
    html = client.get(PAGE, headers=EN).text

    # then Shirts comes right under Clothing, with a link to its two products
    assert html.index("category-clothing") < html.index("category-shirts")
    assert html.index("category-shirts") < html.index("category-kitchen")
    row = html.split('id="category-shirts"', 1)[1].split("</tr>", 1)[0]
    assert f'href="/admin/catalog/products?category_id={shirts.id}">2' in row


def test_an_empty_tree_explains_what_goes_there(client: TestClient) -> None:
    html = client.get(PAGE, headers=EN).text

    assert "No categories yet" in html
    assert "Add the category" in html


def test_a_category_is_added_under_a_parent_its_handle_made_from_its_name(
    client: TestClient, session: Session
) -> None:
    parent = make_category(session, name="Clothing")
    session.commit()
    token = csrf_token_of(client.get(PAGE).text)

    response = client.post(
        PAGE,
        data={
            "csrf_token": token,
            "name": "Chemises à manches",
            "handle": "",
            "parent_id": str(parent.id),
            "position": "3",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    session.expire_all()
    created = session.scalars(select(Category).where(Category.name == "Chemises à manches")).one()
    assert (created.handle, created.parent_id, created.position) == (
        "chemises-a-manches",
        parent.id,
        3,
    )
    assert response.headers["location"] == f"{PAGE}/{created.id}"


def test_a_taken_handle_or_an_empty_name_is_refused_next_to_its_field(
    client: TestClient, session: Session
) -> None:
    make_category(session, handle="clothing")
    session.commit()
    token = csrf_token_of(client.get(PAGE).text)

    taken = client.post(
        PAGE, data={"csrf_token": token, "name": "Vêtements", "handle": "clothing"}, headers=EN
    )
    unnamed = client.post(PAGE, data={"csrf_token": token, "name": " "}, headers=EN)
    bad_position = client.post(
        PAGE, data={"csrf_token": token, "name": "Shoes", "position": "first"}, headers=EN
    )

    assert taken.status_code == unnamed.status_code == bad_position.status_code == 422
    assert 'id="handle-error"' in taken.text
    assert 'value="Vêtements"' in taken.text
    assert 'id="name-error"' in unnamed.text
    assert 'id="position-error"' in bad_position.text
    assert _count(session) == 1


def test_a_category_is_renamed_and_moved_from_its_page(
    client: TestClient, session: Session
) -> None:
    # given Shirts at the top level, and Clothing
    shirts = make_category(session, name="Shirts", handle="shirts")
    clothing = make_category(session, name="Clothing")
    session.commit()
    page = client.get(f"{PAGE}/{shirts.id}", headers=EN)

    # when it is renamed and placed under Clothing
    response = client.post(
        f"{PAGE}/{shirts.id}",
        data={
            "csrf_token": csrf_token_of(page.text),
            "name": "Chemises",
            "handle": "chemises",
            "parent_id": str(clothing.id),
            "position": "0",
        },
        headers=EN,
    )

    # then it is saved
    assert page.status_code == response.status_code == 200
    assert "The category was saved." in response.text
    session.expire_all()
    saved = session.get(Category, shirts.id)
    assert saved is not None
    assert (saved.name, saved.handle, saved.parent_id) == ("Chemises", "chemises", clothing.id)


def test_a_category_cannot_move_under_its_own_subcategory(
    client: TestClient, session: Session
) -> None:
    # given Clothing > Shirts
    clothing = make_category(session, name="Clothing", handle="clothing")
    shirts = make_category(session, name="Shirts", parent=clothing)
    session.commit()
    page = client.get(f"{PAGE}/{clothing.id}", headers=EN)

    # when Clothing is sent under Shirts (the form does not offer it: a forged request)
    response = client.post(
        f"{PAGE}/{clothing.id}",
        data={
            "csrf_token": csrf_token_of(page.text),
            "name": "Clothes",
            "handle": "clothing",
            "parent_id": str(shirts.id),
        },
        headers=EN,
    )

    # then it is refused next to the parent, with what was typed kept, and nothing changes
    assert f'<option value="{shirts.id}"' not in page.text
    assert response.status_code == 422
    assert 'id="parent_id-error"' in response.text
    assert "cannot be placed under itself or one of its subcategories" in response.text
    assert 'value="Clothes"' in response.text
    session.expire_all()
    unchanged = session.get(Category, clothing.id)
    assert unchanged is not None
    assert (unchanged.name, unchanged.parent_id) == ("Clothing", None)


def test_the_api_renames_a_category_and_refuses_a_taken_handle(
    api: TestClient, session: Session
) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    shirts = make_category(session, name="Shirts", handle="shirts")
    make_category(session, handle="clothing")
    session.commit()

    renamed = api.patch(f"{API}/{shirts.id}", json={"name": "Chemises"})
    taken = api.patch(f"{API}/{shirts.id}", json={"handle": "clothing"})
    read = api.get(f"{API}/{shirts.id}")

    assert renamed.status_code == 200
    assert taken.status_code == 409
    assert taken.json()["field"] == "handle"
    assert read.json()["name"] == "Chemises"
    assert read.json()["handle"] == "shirts"


def test_the_api_refuses_a_loop_and_an_unknown_category(api: TestClient, session: Session) -> None:
    act_as(_app(api), "catalog:read", "catalog:write")
    clothing = make_category(session)
    shirts = make_category(session, parent=clothing)
    session.commit()

    loop = api.patch(f"{API}/{clothing.id}", json={"parent_id": str(shirts.id)})
    itself = api.patch(f"{API}/{clothing.id}", json={"parent_id": str(clothing.id)})
    unknown = api.patch(f"{API}/{shirts.id}", json={"parent_id": str(uuid.uuid4())})
    top_level = api.patch(f"{API}/{shirts.id}", json={"parent_id": None})

    assert loop.status_code == itself.status_code == 422
    assert loop.json()["field"] == "parent_id"
    assert unknown.status_code == 404
    assert unknown.json()["field"] == "parent_id"
    assert top_level.status_code == 200
    assert top_level.json()["parent_id"] is None


def test_renaming_without_the_write_scope_is_a_403_and_changes_nothing(
    api: TestClient, session: Session
) -> None:
    act_as(_app(api), "catalog:read")
    shirts = make_category(session, name="Shirts")
    session.commit()

    response = api.patch(f"{API}/{shirts.id}", json={"name": "Chemises"})

    assert response.status_code == 403
    session.expire_all()
    assert session.scalars(select(Category.name)).all() == ["Shirts"]
