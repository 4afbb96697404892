"""BoutiqueNova's catalogue for the demo shop: sales channels, French tax classes and rates,
price lists, categories, a few hundred products with variants, prices, costs, listings, and a
few promotions and coupons.

Products come from the public "Online Retail" data set (a UK gift shop's 2010-2011 sales) when
its Parquet file is present: names, stock codes (as SKUs, letter suffixes as variants) and the
median selling price. Without it, a generated catalogue is used. Sizes, colours and packs are
then derived from each product's title (see :mod:`comptoir.catalog.demo_variants`). The French
tax classes come with every install (migration ``catalog_0002``) and are reused here. Seeding is
idempotent: every row is looked up by its code, handle or SKU before it is created.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.catalog import schemas, service
from comptoir.catalog.demo_variants import DemoProduct, DemoVariant, with_options
from comptoir.catalog.models import Promotion
from comptoir.channels import service as channels
from comptoir.channels.schemas import ChannelCreate, ChannelKind, ChannelOut
from comptoir.kit.money import Money
from comptoir.kit.settings import Settings

RETAIL_DATASET: Final = Path("/work/shared/data/online-retail/online_retail.parquet")
PRODUCT_COUNT: Final = 300

CHANNELS: Final[tuple[tuple[str, str, ChannelKind], ...]] = (
    ("web", "Boutique en ligne", "web"),
    ("app", "Application mobile", "app"),
    ("marketplace", "Place de marché", "marketplace"),
    ("store-paris", "Caisse Paris", "store"),
    ("store-lyon", "Caisse Lyon", "store"),
    ("store-bordeaux", "Caisse Bordeaux", "store"),
)

# French VAT (CGI art. 278 and following), with the rates before the 2014 change: the rows
# migration catalog_0002 inserts, created again only where they were deleted.
TAX_CLASSES: Final = (
    (
        "fr-standard",
        "Taux normal",
        (("19.6", date(2000, 4, 1), date(2014, 1, 1)), ("20", date(2014, 1, 1), None)),
    ),
    (
        "fr-intermediate",
        "Taux intermédiaire",
        (("7", date(2012, 1, 1), date(2014, 1, 1)), ("10", date(2014, 1, 1), None)),
    ),
    ("fr-reduced", "Taux réduit", (("5.5", date(2000, 1, 1), None),)),
    ("fr-super-reduced", "Taux particulier", (("2.1", date(2000, 1, 1), None),)),
)

CATEGORIES: Final = (
    (
        "maison",
        "Maison",
        None,
        ("CANDLE", "T-LIGHT", "LANTERN", "HOLDER", "CUSHION", "FRAME", "CLOCK", "SIGN"),
    ),
    (
        "cuisine",
        "Cuisine",
        None,
        ("MUG", "CUP", "TEA", "CAKE", "LUNCH", "JAR", "BOWL", "PLATE", "BAKING"),
    ),
    ("sacs", "Sacs", None, ("BAG",)),
    ("noel", "Noël", None, ("CHRISTMAS", "XMAS", "ADVENT")),
    ("papeterie", "Papeterie", None, ("CARD", "PAPER", "NOTEBOOK", "WRAP", "PEN", "STICKER")),
    ("jeux", "Jeux et enfants", None, ("TOY", "GAME", "DOLL", "CHILDREN", "BOYS", "GIRLS")),
    ("autres", "Autres idées cadeaux", None, ()),
)


def _from_dataset(path: Path, count: int) -> list[DemoProduct] | None:
    """Products from the Online Retail data set, or None when it cannot be read."""
    if not path.is_file():
        return None
    try:
        import polars as pl
    except ImportError:
        return None
    frame = (
        pl.read_parquet(path, columns=["StockCode", "Description", "Quantity", "UnitPrice"])
        .filter(
            pl.col("UnitPrice") > 0,
            pl.col("Quantity") > 0,
            pl.col("Description").is_not_null(),
            pl.col("StockCode").str.contains(r"^\d{5}[A-Z]?$"),
        )
        .group_by("StockCode")
        .agg(
            pl.col("Description").mode().first().alias("description"),
            pl.col("UnitPrice").median().alias("price"),
            pl.col("Quantity").sum().alias("sold"),
        )
        .with_columns(pl.col("StockCode").str.slice(0, 5).alias("base"))
    )
    bases = (
        (
            frame.group_by("base")
            .agg(pl.col("sold").sum())
            .sort(["sold", "base"], descending=[True, False])
        )
        .head(count)["base"]
        .to_list()
    )
    rows = frame.filter(pl.col("base").is_in(bases)).sort("StockCode").iter_rows(named=True)
    grouped: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        grouped.setdefault(str(row["base"]), []).append(row)
    products = []
    for base in bases:
        family = grouped[base][:4]
        title = _title(str(family[0]["description"]))
        labels = [
            _variant_label(str(row["StockCode"]), str(row["description"]), title)[:100]
            for row in family
        ]
        variants = tuple(
            DemoVariant(
                sku=f"BN-{row['StockCode']}",
                label=label,
                # Sterling prices of 2011, as euros of today: about 1.4 times.
                price_minor=_charm(int(Decimal(str(row["price"])) * 140)),
                options=(label,) if len(family) > 1 else (),
            )
            for row, label in zip(family, labels, strict=True)
        )
        products.append(DemoProduct(title, variants, ("Modèle",) if len(family) > 1 else ()))
    return products


def _title(description: str) -> str:
    words = re.sub(r"\s+", " ", description.strip().strip(".,")).lower()
    return words[:1].upper() + words[1:]


def _variant_label(code: str, description: str, title: str) -> str:
    """The variant's own description; its stock-code letter when it says nothing more."""
    own = _title(description)
    return own if own != title or not code[5:] else f"{own} ({code[5:]})"


def _charm(minor: int) -> int:
    """A shop price: whole euros end in .90, small prices in .x5 steps."""
    if minor >= 1000:
        return (minor // 100) * 100 + 90
    return max(95, (minor // 5) * 5)


def _generated(count: int) -> list[DemoProduct]:
    """A made-up gift-shop catalogue, for when the data set is absent."""
    kinds: tuple[tuple[str, int, str, tuple[str, ...]], ...] = (
        ("Tasse", 1290, "Couleur", ("Bleu", "Rouge")),
        ("Bougie parfumée", 1890, "", ()),
        ("Tote bag", 1490, "Couleur", ("Naturel", "Noir")),
        ("Carnet", 890, "Format", ("A5", "A6")),
        ("Coussin", 2990, "Matière", ("Lin", "Velours")),
        ("Plaid", 4990, "", ()),
        ("Lanterne", 2490, "Taille", ("Petite", "Grande")),
        ("Boîte à goûter", 1190, "", ()),
        ("Affiche", 1990, "Format", ("30 x 40", "50 x 70")),
        ("Torchon", 790, "", ()),
    )
    motifs = (
        "Lavande",
        "Bretagne",
        "Étoiles",
        "Forêt",
        "Océan",
        "Provence",
        "Coquelicot",
        "Montagne",
        "Agrumes",
        "Hirondelle",
        "Pivoine",
        "Marinière",
        "Olivier",
        "Nuage",
        "Soleil",
        "Cerise",
        "Vague",
        "Abeille",
        "Renard",
        "Camélia",
        "Mimosa",
        "Ardoise",
        "Terracotta",
        "Sauge",
        "Safran",
        "Corail",
        "Menthe",
        "Lin",
        "Tilleul",
        "Figue",
    )
    products = []
    for index in range(count):
        (kind, price, option, values) = kinds[index % len(kinds)]
        motif = motifs[index // len(kinds) % 30]
        code = f"BN-G{index:04d}"
        labels = values or ("Standard",)
        products.append(
            DemoProduct(
                f"{kind} {motif}",
                tuple(
                    DemoVariant(f"{code}-{n}", label, price + 100 * n, (label,) if values else ())
                    for n, label in enumerate(labels)
                ),
                (option,) if values else (),
            )
        )
    return products


def _ean13(index: int) -> str:
    body = f"376{index:09d}"
    return body + str(service.gtin_check_digit(body))


def _channels(session: Session) -> dict[str, ChannelOut]:
    found = {}
    for code, name, kind in CHANNELS:
        channel = channels.channel_by_code(session, code) or channels.create_channel(
            session, ChannelCreate(code=code, name=name, kind=kind, currency="EUR")
        )
        found[code] = channel
    return found


def _taxes(session: Session) -> uuid.UUID:
    for code, name, rates in TAX_CLASSES:
        if service.tax_class_by_code(session, code) is not None:
            continue
        tax_class = service.create_tax_class(session, schemas.TaxClassCreate(code=code, name=name))
        for rate, valid_from, valid_to in rates:
            service.add_tax_rate(
                session,
                tax_class.id,
                schemas.TaxRateCreate(
                    country="FR", rate=Decimal(rate), valid_from=valid_from, valid_to=valid_to
                ),
            )
    standard = service.tax_class_by_code(session, "fr-standard")
    assert standard is not None
    return standard.id


def _price_lists(session: Session, found: dict[str, ChannelOut]) -> dict[str, uuid.UUID]:
    wanted = (
        ("retail-eur", "Prix publics", None, None, True, 0),
        ("app-eur", "Prix de l'application", "app", None, True, 10),
        ("marketplace-eur", "Prix place de marché", "marketplace", None, True, 10),
        ("pro-eur", "Prix professionnels (HT)", None, "pro", False, 20),
    )
    existing = {pl.code: pl.id for pl in service.list_price_lists(session)}
    for code, name, channel, group, includes_tax, priority in wanted:
        if code not in existing:
            existing[code] = service.create_price_list(
                session,
                schemas.PriceListCreate(
                    code=code,
                    name=name,
                    currency="EUR",
                    channel_id=found[channel].id if channel else None,
                    customer_group=group,
                    prices_include_tax=includes_tax,
                    priority=priority,
                ),
            ).id
    return existing


def _categories(session: Session) -> dict[str, uuid.UUID]:
    found = {c.handle: c.id for c in service.list_categories(session)}
    for handle, name, parent, _keywords in CATEGORIES:
        if handle not in found:
            found[handle] = service.create_category(
                session,
                schemas.CategoryCreate(
                    handle=handle, name=name, parent_id=found.get(parent) if parent else None
                ),
            ).id
    return found


def _category_for(title: str) -> str:
    upper = title.upper()
    for handle, _name, _parent, keywords in CATEGORIES:
        if any(word in upper for word in keywords):
            return handle
    return "autres"


def seed_catalog(session: Session, settings: Settings) -> str:
    """BoutiqueNova's channels, taxes, price lists and catalogue (see the module docstring)."""
    found_channels = _channels(session)
    standard = _taxes(session)
    lists = _price_lists(session, found_channels)
    categories = _categories(session)
    found = _from_dataset(RETAIL_DATASET, PRODUCT_COUNT)
    source = "Online Retail data set"
    if found is None:
        found, source = _generated(PRODUCT_COUNT), "generated catalogue"
    products = [with_options(demo, index, _charm) for index, demo in enumerate(found)]
    created = 0
    for index, demo in enumerate(products):
        if _already_seeded(session, demo):
            continue
        product = _create(session, demo, index, standard, categories)
        created += 1
        for variant, spec in zip(product.variants, demo.variants, strict=True):
            _price(session, lists, variant.id, spec.price_minor)
            service.record_receipt_cost(
                session, variant.id, 50, Money.from_minor(spec.price_minor * 2 // 5, "EUR")
            )
        for code, channel in found_channels.items():
            if code != "marketplace" or index % 2 == 0:
                service.list_on_channel(session, channel.id, product.id)
    _promotions(session, categories)
    variants = sum(len(demo.variants) for demo in products)
    return (
        f"Catalogue: {created} products created from the {source} "
        f"({len(products)} in all, {variants} variants), {len(found_channels)} channels."
    )


def _already_seeded(session: Session, demo: DemoProduct) -> bool:
    """Whether the product is there, under its first SKU or the one it had before it got
    options (a shop seeded by an earlier version)."""
    skus = dict.fromkeys((demo.variants[0].sku, demo.base_sku))
    return any(service.find_variant_by_sku(session, sku) is not None for sku in skus if sku)


def _create(
    session: Session,
    demo: DemoProduct,
    index: int,
    tax_class_id: uuid.UUID,
    categories: dict[str, uuid.UUID],
) -> schemas.ProductOut:
    product = service.create_product(
        session,
        schemas.ProductCreate(
            title=demo.title[:300],
            status="active",
            vendor="BoutiqueNova",
            option_names=list(demo.option_names),
            tax_class_id=tax_class_id,
            category_ids=[categories[_category_for(demo.title)]],
            variants=[
                schemas.VariantCreate(
                    sku=v.sku,
                    title=v.label[:300],
                    option_values=dict(zip(demo.option_names, v.options, strict=True)),
                    barcode=_ean13(index * 100 + n),
                    weight_grams=150 + (index * 37 + n * 11) % 900,
                )
                for n, v in enumerate(demo.variants)
            ],
        ),
    )
    return service.product_out(session, service.get_product(session, product.id))


def _price(
    session: Session, lists: dict[str, uuid.UUID], variant_id: uuid.UUID, minor: int
) -> None:
    prices = (
        ("retail-eur", minor, 1),
        ("retail-eur", minor * 9 // 10, 12),
        ("app-eur", minor * 95 // 100, 1),
        ("marketplace-eur", minor * 11 // 10, 1),
        ("pro-eur", minor * 100 // 120 * 8 // 10, 1),
    )
    for code, amount, min_quantity in prices:
        service.set_price(
            session,
            lists[code],
            schemas.PriceSet(variant_id=variant_id, amount_minor=amount, min_quantity=min_quantity),
        )


def _promotions(session: Session, categories: dict[str, uuid.UUID]) -> None:
    names = set(session.scalars(select(Promotion.name)))
    if "Noël : -20 %" not in names:
        service.create_promotion(
            session,
            service.PromotionSpec(
                name="Noël : -20 %",
                kind="percentage",
                percent=Decimal(20),
                category_ids=(categories["noel"],),
            ),
        )
    if "Bienvenue" not in names:
        welcome = service.create_promotion(
            session,
            service.PromotionSpec(
                name="Bienvenue", kind="percentage", percent=Decimal(10), requires_coupon=True
            ),
        )
        service.create_coupon(session, welcome.id, "BIENVENUE10", per_customer_limit=1)
    if "Livraison offerte" not in names:
        shipping = service.create_promotion(
            session,
            service.PromotionSpec(
                name="Livraison offerte", kind="free_shipping", requires_coupon=True
            ),
        )
        service.create_coupon(session, shipping.id, "LIVRAISON", usage_limit=500)
    if "3 pour 2 papeterie" not in names:
        service.create_promotion(
            session,
            service.PromotionSpec(
                name="3 pour 2 papeterie",
                kind="buy_x_get_y",
                buy_quantity=2,
                get_quantity=1,
                category_ids=(categories["papeterie"],),
            ),
        )
