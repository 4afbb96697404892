"""One row of a catalogue spreadsheet, and the columns a file may use for it."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from comptoir.kit.sheets import SheetDecimal

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]

COLUMNS: Final = (
    "sku",
    "handle",
    "title",
    "variant_title",
    "status",
    "vendor",
    "description",
    "barcode",
    "weight_grams",
    "price",
    "price_list",
    "quantity",
    "location",
)
"""The columns of an export, in order (an import accepts any order and any subset that has
``sku``)."""

ALIASES: Final = {
    "référence": "sku",
    "reference": "sku",
    "ref": "sku",
    "titre": "title",
    "nom": "title",
    "name": "title",
    "produit": "title",
    "product": "title",
    "variante": "variant_title",
    "statut": "status",
    "marque": "vendor",
    "fournisseur": "vendor",
    "brand": "vendor",
    "code-barres": "barcode",
    "code barre": "barcode",
    "ean": "barcode",
    "gtin": "barcode",
    "poids (g)": "weight_grams",
    "poids": "weight_grams",
    "prix": "price",
    "liste de prix": "price_list",
    "quantité": "quantity",
    "quantite": "quantity",
    "stock": "quantity",
    "qty": "quantity",
    "emplacement": "location",
    "lieu": "location",
}


class CatalogRow(BaseModel):
    """A variant (and its product) as one spreadsheet row. Empty cells leave the stored
    value as it is."""

    model_config = ConfigDict(extra="ignore")

    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    handle: (
        Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=200)]
        | None
    ) = None
    title: Text | None = None
    variant_title: Text | None = None
    status: Literal["draft", "active", "archived"] | None = None
    vendor: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    description: str | None = None
    barcode: Annotated[str, StringConstraints(strip_whitespace=True, max_length=14)] | None = None
    weight_grams: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    price: Annotated[SheetDecimal, Field(ge=0, le=10**9)] | None = None
    price_list: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = (
        None
    )
    quantity: Annotated[int, Field(ge=0, le=10**9)] | None = None
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
