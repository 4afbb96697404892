"""Products, variants, categories and attributes."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Final

from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload
from sqlalchemy.orm.util import identity_key

from comptoir.catalog import events
from comptoir.catalog.errors import (
    CategoryNotFound,
    DuplicateValue,
    ProductNotFound,
    StaleProduct,
    TaxClassNotFound,
    VariantNotFound,
)
from comptoir.catalog.models import (
    Category,
    ChannelListing,
    Product,
    ProductAttribute,
    ProductCategory,
    TaxClass,
    Variant,
)
from comptoir.catalog.schemas import (
    Attribute,
    AttributeIn,
    CategoryCreate,
    CategoryOut,
    ProductCreate,
    ProductFilters,
    ProductOut,
    ProductUpdate,
    VariantCreate,
    VariantOut,
    VariantSummary,
    VariantUpdate,
)
from comptoir.catalog.service.gtin import normalise_gtin
from comptoir.kit.errors import InvalidInput
from comptoir.kit.events import emit
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, MoneyOut
from comptoir.kit.pagination import Direction, Page, paginate


def slugify(text: str) -> str:
    """A URL handle made of ``text``: lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:200].rstrip("-") or "product"


def _attribute_text(item: AttributeIn, field: str) -> str:
    """The stored text of a typed attribute value; raises :class:`InvalidInput` when the
    value does not read as its kind."""
    value = item.value
    bad = InvalidInput(_l("This value is not a {kind}."), field=field, kind=item.kind)
    if item.kind == "boolean":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower()
        raise bad
    if isinstance(value, bool):
        if item.kind == "text":
            return "true" if value else "false"
        raise bad
    if item.kind == "integer":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise bad from None
        if number != number.to_integral_value():
            raise bad
        return str(int(number))
    if item.kind == "decimal":
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise bad from None
        if not number.is_finite():
            raise bad
        return str(number)
    return str(value)


def _attribute_value(row: ProductAttribute) -> str | int | Decimal | bool:
    if row.kind == "boolean":
        return row.value == "true"
    if row.kind == "integer":
        return int(row.value)
    if row.kind == "decimal":
        return Decimal(row.value)
    return row.value


def _check_unique(
    session: Session, column: InstrumentedAttribute[str | None], value: str, field: str
) -> None:
    if session.scalar(select(func.count()).where(column == value)):
        raise DuplicateValue(_l("{value} is already used."), field=field, value=value)


def _check_options(option_names: Sequence[str], values: dict[str, str], field: str) -> None:
    if set(values) != set(option_names):
        raise InvalidInput(
            _l("Give exactly one value for each option: {names}."),
            field=field,
            names=", ".join(option_names) or "-",
        )


def _check_tax_class(session: Session, tax_class_id: uuid.UUID | None) -> None:
    if tax_class_id is not None and session.get(TaxClass, tax_class_id) is None:
        raise TaxClassNotFound(field="tax_class_id")


def _set_categories(session: Session, product: Product, category_ids: Sequence[uuid.UUID]) -> None:
    for index, category_id in enumerate(category_ids):
        if session.get(Category, category_id) is None:
            raise CategoryNotFound(field=f"category_ids.{index}")
    existing = session.scalars(
        select(ProductCategory).where(ProductCategory.product_id == product.id)
    ).all()
    for link in existing:
        session.delete(link)
    session.flush()
    for category_id in dict.fromkeys(category_ids):
        session.add(ProductCategory(product_id=product.id, category_id=category_id))


def _set_attributes(product: Product, attributes: Sequence[AttributeIn]) -> None:
    keys = [item.key for item in attributes]
    for index, key in enumerate(keys):
        if keys.index(key) != index:
            raise InvalidInput(_l("This key appears twice."), field=f"attributes.{index}.key")
    texts = [_attribute_text(item, f"attributes.{i}.value") for i, item in enumerate(attributes)]
    product.attributes.clear()
    for item, text in zip(attributes, texts, strict=True):
        product.attributes.append(ProductAttribute(key=item.key, kind=item.kind, value=text))


def _new_variant(
    session: Session, product: Product, data: VariantCreate, field: str, position: int
) -> Variant:
    _check_options(product.option_names, data.option_values, f"{field}.option_values")
    _check_unique(session, Variant.sku, data.sku, f"{field}.sku")
    barcode = normalise_gtin(data.barcode, field=f"{field}.barcode") if data.barcode else None
    if barcode:
        _check_unique(session, Variant.barcode, barcode, f"{field}.barcode")
    values = data.model_dump(exclude={"barcode"})
    return Variant(product_id=product.id, barcode=barcode, position=position, **values)


def create_product(session: Session, data: ProductCreate) -> Product:
    """Create a product with its variants, categories and attributes.

    Guarantees: handle, SKUs and barcodes are unique (a handle derived from the title gets a
    numeric suffix when taken); every variant names one value per option; barcodes are valid
    GTINs; ``catalog.product.created`` is emitted. Raises :class:`InvalidInput`,
    :class:`InvalidBarcode` or :class:`DuplicateValue` naming the field, and
    :class:`TaxClassNotFound` / :class:`CategoryNotFound`.
    """
    _check_tax_class(session, data.tax_class_id)
    handle = data.handle or _free_handle(session, slugify(data.title))
    _check_unique(session, Product.handle, handle, "handle")
    for field, values in (
        ("sku", [v.sku for v in data.variants]),
        ("barcode", [v.barcode for v in data.variants]),
    ):
        for index, value in enumerate(values):
            if value is not None and values.index(value) != index:
                raise DuplicateValue(
                    _l("{value} is already used."), field=f"variants.{index}.{field}", value=value
                )
    product = Product(
        handle=handle,
        title=data.title,
        description=data.description,
        status=data.status,
        vendor=data.vendor,
        option_names=list(data.option_names),
        tax_class_id=data.tax_class_id,
    )
    # Everything is checked before the product joins the session, so a refusal leaves
    # nothing behind (the checks' queries would otherwise flush it).
    _set_attributes(product, data.attributes)
    variants = [
        _new_variant(session, product, variant_data, f"variants.{index}", index)
        for index, variant_data in enumerate(data.variants)
    ]
    for index, category_id in enumerate(data.category_ids):
        if session.get(Category, category_id) is None:
            raise CategoryNotFound(field=f"category_ids.{index}")
    session.add(product)
    product.variants.extend(variants)
    session.flush()
    _set_categories(session, product, data.category_ids)
    session.flush()
    emit(
        session,
        events.PRODUCT_CREATED,
        events.ProductCreated(
            product_id=product.id,
            handle=product.handle,
            status=product.status,
            variant_ids=[v.id for v in product.variants],
        ),
        key=product.id,
    )
    return product


def _free_handle(session: Session, base: str) -> str:
    taken = set(
        session.scalars(
            select(Product.handle).where(
                or_(Product.handle == base, Product.handle.like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    suffix = 2
    while f"{base}-{suffix}" in taken:
        suffix += 1
    return f"{base}-{suffix}"


def get_product(session: Session, product_id: uuid.UUID) -> Product:
    """The product; raises :class:`ProductNotFound`."""
    product = session.get(Product, product_id)
    if product is None:
        raise ProductNotFound()
    return product


def update_product(
    session: Session,
    product_id: uuid.UUID,
    data: ProductUpdate,
    *,
    expected_revision: int | None = None,
) -> Product:
    """Change the fields given in ``data`` (absent fields stay as they are).

    Guarantees: the revision grows by one and ``catalog.product.updated`` is emitted when
    something changed. Raises :class:`StaleProduct` (412) when ``expected_revision`` is not
    the current one, :class:`ProductNotFound`, and the validation errors of
    :func:`create_product`, all before anything is changed.
    """
    product = get_product(session, product_id)
    if expected_revision is not None and expected_revision != product.revision:
        raise StaleProduct(field="If-Match")
    # Only the vendor and the tax class can be cleared; a null elsewhere leaves the field.
    given = {
        name: value
        for name, value in data.model_dump(exclude_unset=True).items()
        if value is not None or name in {"vendor", "tax_class_id"}
    }
    if "handle" in given and given["handle"] != product.handle:
        _check_unique(session, Product.handle, given["handle"], "handle")
    if "tax_class_id" in given:
        _check_tax_class(session, given["tax_class_id"])
    if data.attributes is not None:
        _set_attributes(product, data.attributes)
    if data.category_ids is not None:
        _set_categories(session, product, data.category_ids)
    for name in ("title", "handle", "description", "status", "vendor", "tax_class_id"):
        if name in given:
            setattr(product, name, given[name])
    changed = sorted(given)
    if changed:
        product.revision += 1
        session.flush()
        emit(
            session,
            events.PRODUCT_UPDATED,
            events.ProductUpdated(
                product_id=product.id, revision=product.revision, changed=changed
            ),
            key=product.id,
        )
    return product


def add_variant(session: Session, product_id: uuid.UUID, data: VariantCreate) -> Variant:
    """Add a variant to a product; the same checks as :func:`create_product` apply."""
    product = get_product(session, product_id)
    variant = _new_variant(session, product, data, "", len(product.variants))
    product.variants.append(variant)
    product.revision += 1
    session.flush()
    emit(
        session,
        events.PRODUCT_UPDATED,
        events.ProductUpdated(
            product_id=product.id, revision=product.revision, changed=["variants"]
        ),
        key=product.id,
    )
    return variant


def update_variant(session: Session, variant_id: uuid.UUID, data: VariantUpdate) -> Variant:
    """Change the fields given in ``data``. Raises :class:`VariantNotFound`,
    :class:`DuplicateValue`, :class:`InvalidBarcode` or :class:`InvalidInput`."""
    variant = get_variant(session, variant_id)
    given = data.model_dump(exclude_unset=True)
    if data.sku is not None and data.sku != variant.sku:
        _check_unique(session, Variant.sku, data.sku, "sku")
    if given.get("barcode"):
        given["barcode"] = normalise_gtin(given["barcode"])
        if given["barcode"] != variant.barcode:
            _check_unique(session, Variant.barcode, given["barcode"], "barcode")
    if data.option_values is not None:
        _check_options(variant.product.option_names, data.option_values, "option_values")
    nullable = {"barcode", "weight_grams", "length_mm", "width_mm", "height_mm"}
    for name, value in given.items():
        if value is not None or name in nullable:
            setattr(variant, name, value or None if name == "barcode" else value)
    product = variant.product
    product.revision += 1
    session.flush()
    emit(
        session,
        events.PRODUCT_UPDATED,
        events.ProductUpdated(
            product_id=product.id, revision=product.revision, changed=["variants"]
        ),
        key=product.id,
    )
    return variant


HELD_VARIANTS: Final = "comptoir.catalog.held_variants"


def _hold(session: Session, variants: Iterable[Variant]) -> None:
    """Keep the variants read in the session's current transaction referenced until it
    ends. The identity map only holds objects weakly: without this, a variant read by
    pricing is gone again when sourcing, stock and the views ask for it a moment later in
    the same request, and each of them reads it (and its product) once more."""
    transaction = session.get_transaction()
    if transaction is None:
        return
    held: tuple[object, dict[uuid.UUID, Variant]] | None = session.info.get(HELD_VARIANTS)
    if held is None or held[0] is not transaction:
        held = (transaction, {})
        session.info[HELD_VARIANTS] = held
    held[1].update((variant.id, variant) for variant in variants)


def get_variant(session: Session, variant_id: uuid.UUID) -> Variant:
    """The variant; raises :class:`VariantNotFound`."""
    variant = session.get(Variant, variant_id)
    if variant is None:
        raise VariantNotFound()
    _hold(session, (variant,))
    return variant


def load_variants(session: Session, variant_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Variant]:
    """The variants of ``variant_ids`` that exist, by id, each with its product: those the
    session already holds cost nothing, the others one query together (their products
    loaded with them)."""
    found: dict[uuid.UUID, Variant] = {}
    missing: list[uuid.UUID] = []
    for variant_id in variant_ids:
        held = session.identity_map.get(identity_key(Variant, variant_id))
        if isinstance(held, Variant) and not inspect(held).deleted:
            found[variant_id] = held
        else:
            missing.append(variant_id)
    if missing:
        rows = session.scalars(
            select(Variant).options(joinedload(Variant.product)).where(Variant.id.in_(missing))
        )
        found.update((variant.id, variant) for variant in rows)
    _hold(session, found.values())
    return found


def _summary(variant: Variant) -> VariantSummary:
    return VariantSummary(
        id=variant.id,
        product_id=variant.product_id,
        sku=variant.sku,
        title=variant.title,
        product_title=variant.product.title,
        barcode=variant.barcode,
        weight_grams=variant.weight_grams,
        allows_backorder=variant.allows_backorder,
        is_active=variant.is_active,
        unit_cost=unit_cost(variant),
    )


def variant_summary(session: Session, variant_id: uuid.UUID) -> VariantSummary:
    """A variant as other modules see it; raises :class:`VariantNotFound`."""
    return _summary(get_variant(session, variant_id))


def find_variant_by_sku(session: Session, sku: str) -> VariantSummary | None:
    """The variant with this SKU, or None."""
    variant = session.scalar(select(Variant).where(Variant.sku == sku.strip()))
    return _summary(variant) if variant else None


def find_variant_by_barcode(session: Session, barcode: str) -> VariantSummary | None:
    """The variant with this barcode (a till's scanner), or None."""
    variant = session.scalar(select(Variant).where(Variant.barcode == barcode.strip()))
    return _summary(variant) if variant else None


def unit_cost(variant: Variant) -> Money | None:
    """The variant's weighted average unit cost, or None before any receipt."""
    if variant.cost_unit_minor is None or variant.cost_currency is None:
        return None
    return Money.from_minor(variant.cost_unit_minor, variant.cost_currency)


def variant_out(variant: Variant) -> VariantOut:
    out = VariantOut.model_validate(variant)
    cost = unit_cost(variant)
    out.cost = MoneyOut.from_money(cost) if cost else None
    return out


def product_out(session: Session, product: Product) -> ProductOut:
    category_ids = list(
        session.scalars(
            select(ProductCategory.category_id).where(ProductCategory.product_id == product.id)
        )
    )
    return ProductOut(
        id=product.id,
        handle=product.handle,
        title=product.title,
        description=product.description,
        status=product.status,
        vendor=product.vendor,
        option_names=list(product.option_names),
        tax_class_id=product.tax_class_id,
        category_ids=category_ids,
        attributes=[
            Attribute(key=a.key, kind=a.kind, value=_attribute_value(a))
            for a in sorted(product.attributes, key=lambda a: a.key)
        ],
        variants=[variant_out(v) for v in product.variants],
        revision=product.revision,
        created_at=product.created_at,
        updated_at=product.updated_at,
    )


def list_products(
    session: Session, filters: ProductFilters, *, limit: int, cursor: str | None
) -> Page[Product]:
    """A page of products matching ``filters`` (search on title, handle and SKU).

    Raises :class:`InvalidCursor` for a cursor from another list or sort order.
    """
    stmt = select(Product)
    if filters.q:
        pattern = f"%{filters.q.strip().lower()}%"
        skus = select(Variant.product_id).where(func.lower(Variant.sku).like(pattern))
        stmt = stmt.where(
            or_(
                func.lower(Product.title).like(pattern),
                func.lower(Product.handle).like(pattern),
                Product.id.in_(skus),
            )
        )
    if filters.status:
        stmt = stmt.where(Product.status == filters.status)
    if filters.category_id:
        stmt = stmt.where(
            Product.id.in_(
                select(ProductCategory.product_id).where(
                    ProductCategory.category_id == filters.category_id
                )
            )
        )
    if filters.channel_id:
        stmt = stmt.where(
            Product.id.in_(
                select(ChannelListing.product_id).where(
                    ChannelListing.channel_id == filters.channel_id,
                    ChannelListing.is_published.is_(True),
                )
            )
        )
    name = filters.sort.lstrip("-")
    direction: Direction = "desc" if filters.sort.startswith("-") else "asc"
    column = {"title": Product.title, "created_at": Product.created_at}.get(
        name, Product.updated_at
    )
    return paginate(
        session,
        stmt,
        order_by=[(column, direction)],
        id_column=Product.id,
        limit=limit,
        cursor=cursor,
    )


def create_category(session: Session, data: CategoryCreate) -> CategoryOut:
    """Add a category to the tree. Raises :class:`DuplicateValue` (handle) and
    :class:`CategoryNotFound` (parent)."""
    _check_unique(session, Category.handle, data.handle, "handle")
    if data.parent_id is not None and session.get(Category, data.parent_id) is None:
        raise CategoryNotFound(field="parent_id")
    category = Category(**data.model_dump())
    session.add(category)
    session.flush()
    return CategoryOut.model_validate(category)


def list_categories(session: Session) -> list[CategoryOut]:
    """Every category, parents before their children's siblings order by position, name."""
    rows = session.scalars(select(Category).order_by(Category.position, Category.name))
    return [CategoryOut.model_validate(row) for row in rows]


def product_by_handle(session: Session, handle: str) -> Product | None:
    """The product with this handle, or None."""
    return session.scalar(select(Product).where(Product.handle == handle))
