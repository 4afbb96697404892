"""Products and variants: creation, uniqueness, options, attributes, updates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service
from comptoir.catalog.errors import DuplicateValue, InvalidBarcode, StaleProduct
from comptoir.catalog.models import Product, Variant
from comptoir.catalog.schemas import (
    AttributeIn,
    ProductCreate,
    ProductFilters,
    ProductUpdate,
    VariantCreate,
)
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events.models import OutboxEvent
from tests.catalog.factories import make_category, make_product, make_variant


def _count(session: Session, model: type[Product] | type[Variant]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _tee_shirt(**kw: object) -> ProductCreate:
    data: dict[str, object] = {
        "title": "Tee-shirt Été",
        "option_names": ["Size", "Colour"],
        "variants": [
            VariantCreate(
                sku="TS-S-RED",
                option_values={"Size": "S", "Colour": "Red"},
                barcode="4006381333931",
            ),
            VariantCreate(sku="TS-M-RED", option_values={"Size": "M", "Colour": "Red"}),
        ],
    }
    data.update(kw)
    return ProductCreate.model_validate(data)


def test_a_product_is_created_with_its_variants_and_an_event(session: Session) -> None:
    product = service.create_product(session, _tee_shirt())

    assert product.handle == "tee-shirt-ete"
    assert [v.sku for v in product.variants] == ["TS-S-RED", "TS-M-RED"]
    assert product.variants[0].option_values == {"Size": "S", "Colour": "Red"}
    events = session.scalars(
        select(OutboxEvent.type).where(OutboxEvent.key == str(product.id))
    ).all()
    assert events == ["catalog.product.created"]


def test_a_taken_handle_gets_a_numeric_suffix(session: Session) -> None:
    make_product(session, handle="tee-shirt-ete")

    product = service.create_product(session, _tee_shirt(variants=[]))

    assert product.handle == "tee-shirt-ete-2"


def test_a_duplicate_sku_is_refused_and_nothing_is_created(session: Session) -> None:
    make_variant(session, sku="TS-M-RED")
    before = (_count(session, Product), _count(session, Variant))

    with pytest.raises(DuplicateValue) as caught:
        service.create_product(session, _tee_shirt())

    assert caught.value.field == "variants.1.sku"
    assert (_count(session, Product), _count(session, Variant)) == before


def test_an_invalid_barcode_names_the_variant_field(session: Session) -> None:
    data = _tee_shirt()
    data.variants[1].barcode = "4006381333932"

    with pytest.raises(InvalidBarcode) as caught:
        service.create_product(session, data)

    assert caught.value.field == "variants.1.barcode"


def test_a_variant_must_give_one_value_per_option(session: Session) -> None:
    data = _tee_shirt()
    data.variants[0].option_values = {"Size": "S"}

    with pytest.raises(InvalidInput) as caught:
        service.create_product(session, data)

    assert caught.value.field == "variants.0.option_values"


def test_typed_attributes_are_kept_with_their_type(session: Session) -> None:
    product = service.create_product(
        session,
        _tee_shirt(
            attributes=[
                AttributeIn(key="organic", kind="boolean", value=True),
                AttributeIn(key="grammage", kind="decimal", value=Decimal("180.5")),
                AttributeIn(key="pieces", kind="integer", value="2"),
            ]
        ),
    )

    out = service.product_out(session, product)

    assert [(a.key, a.value) for a in out.attributes] == [
        ("grammage", Decimal("180.5")),
        ("organic", True),
        ("pieces", 2),
    ]


def test_an_attribute_that_does_not_read_as_its_kind_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.create_product(
            session, _tee_shirt(attributes=[AttributeIn(key="pieces", kind="integer", value="two")])
        )
    assert caught.value.field == "attributes.0.value"


def test_an_update_bumps_the_revision_and_a_stale_one_is_refused(session: Session) -> None:
    product = make_product(session, title="Mug")

    service.update_product(session, product.id, ProductUpdate(title="Big mug"), expected_revision=1)

    assert (product.title, product.revision) == ("Big mug", 2)
    with pytest.raises(StaleProduct):
        service.update_product(session, product.id, ProductUpdate(title="Cup"), expected_revision=1)
    assert product.title == "Big mug"


def test_the_list_filters_by_search_status_and_category(session: Session) -> None:
    mugs = make_category(session, name="Mugs")
    mug = make_product(session, title="Blue mug", status="active")
    make_product(session, title="Blue scarf", status="draft")
    make_variant(session, product=mug, sku="MUG-BLUE-1")
    service.update_product(session, mug.id, ProductUpdate(category_ids=[mugs.id]))

    by_sku = service.list_products(session, ProductFilters(q="mug-blue"), limit=10, cursor=None)
    by_status = service.list_products(
        session, ProductFilters(q="blue", status="draft"), limit=10, cursor=None
    )
    by_category = service.list_products(
        session, ProductFilters(category_id=mugs.id), limit=10, cursor=None
    )

    assert [p.title for p in by_sku.items] == ["Blue mug"]
    assert [p.title for p in by_status.items] == ["Blue scarf"]
    assert [p.title for p in by_category.items] == ["Blue mug"]
