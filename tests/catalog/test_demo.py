"""The demo catalogue: seeded from the data set or generated, and idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import demo
from comptoir.catalog.models import PriceHistory, Product, Variant
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
