"""A few hundred real products (the UCI Online Retail data set) through a CSV import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from comptoir.kit.sheets import RowOutcome, read_sheet, write_csv
from comptoir.spreadsheets import service
from tests.spreadsheets.conftest import row_counts

DATA = Path("/work/shared/data/online-retail/online_retail.parquet")
PRODUCTS = 300


def _catalogue_csv() -> tuple[bytes, int]:
    """One row per stock code: its first description and price, and the units sold as a
    made-up stock level. Returns the file and its number of distinct SKUs."""
    polars = pytest.importorskip("polars", reason="polars reads the Parquet file")
    frame = (
        polars.read_parquet(DATA)
        .filter(
            (polars.col("UnitPrice") > 0)
            & (polars.col("Quantity") > 0)
            & polars.col("Description").is_not_null()
        )
        .group_by("StockCode", maintain_order=True)
        .agg(
            polars.col("Description").first(),
            polars.col("UnitPrice").first(),
            polars.col("Quantity").sum(),
        )
        .head(PRODUCTS)
    )
    rows = [
        [code, description.strip(), f"{price:.2f}".replace(".", ","), min(quantity, 10_000)]
        for code, description, price, quantity in frame.iter_rows()
    ]
    return write_csv(["sku", "title", "price", "quantity"], rows), len(rows)


@pytest.mark.skipif(not DATA.exists(), reason=f"the Online Retail data set is not at {DATA}")
def test_a_real_catalogue_imports_then_reimports_unchanged(shop: Session) -> None:
    # given
    data, products = _catalogue_csv()

    # when
    first = service.import_catalog(
        shop, read_sheet(data), location_code="MAIN", price_list_code="public"
    )
    after_first = row_counts(shop)
    second = service.import_catalog(
        shop, read_sheet(data), location_code="MAIN", price_list_code="public"
    )

    # then
    assert products == PRODUCTS
    assert first.issues == []
    assert first.outcomes[RowOutcome.CREATED] == PRODUCTS
    assert second.outcomes[RowOutcome.UNCHANGED] == PRODUCTS
    assert row_counts(shop) == after_first
