"""A product's listings per sales channel, changed from its page in the back office, and the
product list filtered by category and by channel."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog.models import ChannelListing, ProductCategory
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import (
    make_category,
    make_channel,
    make_listing,
    make_product,
    make_variant,
)

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true"}
LIST = "/admin/catalog/products"


def _published(session: Session, channel_id: uuid.UUID) -> set[uuid.UUID]:
    session.expire_all()
    return set(
        session.scalars(
            select(ChannelListing.variant_id).where(
                ChannelListing.channel_id == channel_id, ChannelListing.is_published.is_(True)
            )
        )
    )


def _row(html: str, code: str) -> str:
    return html.split(f'id="listing-row-{code}"', 1)[1].split("</tr>", 1)[0]


def test_the_page_shows_on_which_channels_each_variant_is_offered(
    client: TestClient, session: Session
) -> None:
    # given a product with two variants, both on the web shop, one on the app, none elsewhere
    product = make_product(session)
    small = make_variant(session, product=product, sku="LS-S")
    medium = make_variant(session, product=product, sku="LS-M")
    web = make_channel(session, code="web", name="Web shop")
    app = make_channel(session, code="app", name="App")
    make_channel(session, code="market", name="Marketplace")
    for variant in (small, medium):
        make_listing(session, channel=web, variant=variant)
    make_listing(session, channel=app, variant=small)
    make_listing(session, channel=app, variant=medium, is_published=False)
    session.commit()

    # when its page is opened
    html = client.get(f"{LIST}/{product.id}", headers=EN).text

    # then each channel says what it offers, with the offered variants ticked
    assert "Every variant" in _row(html, "web")
    assert "1 of 2 variants" in _row(html, "app")
    assert f'value="{small.id}" checked' in _row(html, "app")
    assert f'value="{medium.id}">' in _row(html, "app")
    assert "Not listed" in _row(html, "market")
    assert "checked" not in _row(html, "market")


def test_a_product_is_listed_then_partly_withdrawn_from_its_page(
    client: TestClient, session: Session
) -> None:
    # given a product with two variants that no channel offers
    product = make_product(session)
    small = make_variant(session, product=product)
    medium = make_variant(session, product=product)
    channel = make_channel(session, code="market")
    session.commit()
    token = csrf_token_of(client.get(f"{LIST}/{product.id}").text)
    url = f"{LIST}/{product.id}/listings/{channel.id}"

    # when both variants are ticked and saved
    listed = client.post(
        url,
        data={"csrf_token": token, "variant_ids": [str(small.id), str(medium.id)]},
        headers=EN,
    )

    # then the channel offers both
    assert listed.status_code == 200
    assert "listing on this channel was saved." in listed.text
    assert _published(session, channel.id) == {small.id, medium.id}

    # when the medium one is unticked
    client.post(url, data={"csrf_token": token, "variant_ids": [str(small.id)]})

    # then only the small one stays offered
    assert _published(session, channel.id) == {small.id}

    # when none is ticked
    withdrawn = client.post(url, data={"csrf_token": token}, headers=EN)

    # then the product is withdrawn from the channel
    assert _published(session, channel.id) == set()
    assert "Not listed" in _row(withdrawn.text, "market")


def test_saving_an_unlisted_product_with_nothing_ticked_writes_no_listing(
    client: TestClient, session: Session
) -> None:
    variant = make_variant(session)
    channel = make_channel(session)
    session.commit()
    token = csrf_token_of(client.get(f"{LIST}/{variant.product_id}").text)

    response = client.post(
        f"{LIST}/{variant.product_id}/listings/{channel.id}", data={"csrf_token": token}
    )

    assert response.status_code == 200
    session.expire_all()
    assert session.scalars(select(ChannelListing)).all() == []


def test_a_variant_of_another_product_is_refused_next_to_the_channel_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    # given a product offered on a channel, and a variant of another product
    product = make_product(session)
    own = make_variant(session, product=product)
    stranger = make_variant(session)
    channel = make_channel(session)
    make_listing(session, channel=channel, variant=own)
    session.commit()
    token = csrf_token_of(client.get(f"{LIST}/{product.id}").text)

    # when the form names the other product's variant (a forged or stale form)
    response = client.post(
        f"{LIST}/{product.id}/listings/{channel.id}",
        data={"csrf_token": token, "variant_ids": [str(stranger.id)]},
        headers=EN,
    )
    garbled = client.post(
        f"{LIST}/{product.id}/listings/{channel.id}",
        data={"csrf_token": token, "variant_ids": ["not-an-id"]},
        headers=EN,
    )

    # then both are refused next to the channel's variants and the listing is unchanged
    field = f"listing-{channel.id}"
    assert response.status_code == garbled.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert f'href="#{field}"' in response.text
    assert "Choose from the list." in garbled.text
    assert _published(session, channel.id) == {own.id}


def test_the_product_list_filters_by_category_and_by_channel(
    client: TestClient, session: Session
) -> None:
    # given a mug in Kitchen listed on the web shop, a shirt in Clothing not listed anywhere
    kitchen = make_category(session, name="Kitchen")
    clothing = make_category(session, name="Clothing")
    web = make_channel(session, name="Web shop")
    mug = make_product(session, title="Enamel mug")
    shirt = make_product(session, title="Linen shirt")
    session.add_all(
        [
            ProductCategory(product_id=mug.id, category_id=kitchen.id),
            ProductCategory(product_id=shirt.id, category_id=clothing.id),
        ]
    )
    make_listing(session, channel=web, variant=make_variant(session, product=mug))
    make_variant(session, product=shirt)
    session.commit()

    # when the list is filtered on a category, on a channel, and on both
    by_category = client.get(f"{LIST}?category_id={clothing.id}", headers=EN).text
    by_channel = client.get(f"{LIST}?channel_id={web.id}", headers=HTMX).text
    by_both = client.get(f"{LIST}?category_id={clothing.id}&channel_id={web.id}", headers=EN)

    # then each shows only what matches, the filter kept selected and in the other links
    assert "Linen shirt" in by_category
    assert "Enamel mug" not in by_category
    assert f'<option value="{clothing.id}" selected>' in by_category
    assert f"category_id={clothing.id}" in by_category.split('id="products"', 1)[1]
    assert "Enamel mug" in by_channel
    assert "Linen shirt" not in by_channel
    assert "Enamel mug" not in by_both.text
    assert "Linen shirt" not in by_both.text
    assert "No product matches" in by_both.text


def test_the_csv_export_keeps_the_filters(client: TestClient, session: Session) -> None:
    category = make_category(session)
    inside = make_product(session, handle="inside")
    make_product(session, handle="outside")
    session.add(ProductCategory(product_id=inside.id, category_id=category.id))
    session.commit()

    html = client.get(f"{LIST}?category_id={category.id}").text
    export = html.split('href="/admin/catalog/products.csv?', 1)[1].split('"', 1)[0]
    response = client.get(f"/admin/catalog/products.csv?{export.replace('&amp;', '&')}")

    assert [line.split(",")[0] for line in response.text.splitlines()[1:]] == ["inside"]


def test_a_malformed_filter_is_ignored(client: TestClient, session: Session) -> None:
    make_product(session, title="Enamel mug")
    session.commit()

    response = client.get(f"{LIST}?category_id=kitchen&channel_id=")

    assert response.status_code == 200
    assert "Enamel mug" in response.text
