"""The demo catalogue: seeded from the data set or generated, and idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import demo
from comptoir.catalog.demo_variants import DemoProduct, DemoVariant, with_options
from comptoir.catalog.models import PriceHistory, Product, Variant
from comptoir.catalog.service import is_valid_gtin
from comptoir.channels.models import Channel
from comptoir.kit.settings import Settings


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Product, Variant, Channel, PriceHistory)
    )


def test_the_generated_catalogue_is_seeded_once(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(demo, "RETAIL_DATASET", tmp_path / "absent.parquet")
    monkeypatch.setattr(demo, "PRODUCT_COUNT", 20)

    first = demo.seed_catalog(session, settings)
    after_first = _counts(session)
    second = demo.seed_catalog(session, settings)

    assert first.startswith("Catalogue: 20 products created from the generated catalogue")
    assert second.startswith("Catalogue: 0 products created")
    assert _counts(session) == after_first
    assert after_first[0] == 20
    assert after_first[2] == 6


@pytest.mark.skipif(not demo.RETAIL_DATASET.is_file(), reason="the data set is not here")
def test_the_data_set_gives_products_with_variants(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "PRODUCT_COUNT", 15)

    summary = demo.seed_catalog(session, settings)

    assert summary.startswith("Catalogue: 15 products created from the Online Retail data set")
    skus = session.scalars(select(Variant.sku)).all()
    assert all(sku.startswith("BN-") for sku in skus)
    assert len(skus) > 15


def test_a_bag_that_names_its_colour_comes_in_colours_and_sizes() -> None:
    # given a lunch bag of the data set, alone under its stock code
    bag = DemoProduct("Lunch bag red retrospot", (DemoVariant("BN-20725", "Lunch bag", 230),))

    # when its options are derived
    product = with_options(bag, 7, demo._charm)

    # then two colours, red first, times four sizes, each with its SKU and a dearer XL
    assert product.option_names == ("Couleur", "Taille")
    assert [v.options for v in product.variants[:4]] == [
        ("Rouge", "S"),
        ("Rouge", "M"),
        ("Rouge", "L"),
        ("Rouge", "XL"),
    ]
    assert len(product.variants) == 8
    assert product.variants[0].sku == "BN-20725-ROU-S"
    assert len({v.sku for v in product.variants}) == 8
    assert product.variants[3].price_minor > product.variants[0].price_minor == 230
    assert product.base_sku == "BN-20725"


def test_a_product_the_title_says_nothing_about_keeps_its_one_variant() -> None:
    plain = DemoProduct("Popcorn holder", (DemoVariant("BN-22197", "Popcorn holder", 115),))

    product = with_options(plain, 3, demo._charm)

    assert (product.option_names, len(product.variants)) == ((), 1)


def test_the_generated_variants_have_their_options_and_valid_barcodes(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # given the generated catalogue of 20 products
    monkeypatch.setattr(demo, "RETAIL_DATASET", tmp_path / "absent.parquet")
    monkeypatch.setattr(demo, "PRODUCT_COUNT", 20)

    # when it is seeded
    demo.seed_catalog(session, settings)

    # then products come in sizes, every variant names one value per option of its product,
    # and every barcode is a valid GTIN
    products = session.scalars(select(Product)).all()
    assert {"Taille", "Couleur", "Format"} <= {n for p in products for n in p.option_names}
    for product in products:
        for variant in product.variants:
            assert set(variant.option_values) == set(product.option_names)
            assert variant.barcode is not None
            assert is_valid_gtin(variant.barcode)
    tote = session.scalars(select(Product).where(Product.title == "Tote bag Lavande")).one()
    assert len(tote.variants) == 8


@pytest.mark.skipif(not demo.RETAIL_DATASET.is_file(), reason="the data set is not here")
def test_a_good_share_of_the_data_set_products_have_options(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "PRODUCT_COUNT", 60)

    demo.seed_catalog(session, settings)

    products = session.scalars(select(Product)).all()
    with_variants = [p for p in products if len(p.variants) > 1]
    assert len(with_variants) * 3 >= len(products)
    assert {"Taille", "Couleur"} <= {n for p in with_variants for n in p.option_names}
