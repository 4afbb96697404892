"""Categories: read one, rename or move it, and count the products in each (creating and
listing them are in :mod:`comptoir.catalog.service.products`)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.errors import CategoryNotFound, DuplicateValue
from comptoir.catalog.models import Category, ProductCategory
from comptoir.catalog.schemas import CategoryOut, CategoryUpdate
from comptoir.catalog.service.products import list_categories
from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l


def get_category(session: Session, category_id: uuid.UUID) -> CategoryOut:
    """The category; raises :class:`CategoryNotFound`."""
    category = session.get(Category, category_id)
    if category is None:
        raise CategoryNotFound()
    return CategoryOut.model_validate(category)


def update_category(session: Session, category_id: uuid.UUID, data: CategoryUpdate) -> CategoryOut:
    """Change the fields given (a ``null`` name, handle or position keeps it). Raises
    :class:`CategoryNotFound` (the category, or ``parent_id``), :class:`DuplicateValue`
    (``handle``) and :class:`InvalidInput` (``parent_id``) for a parent that is the category
    itself or one of its descendants, which would make a loop."""
    category = session.get(Category, category_id)
    if category is None:
        raise CategoryNotFound()
    changes = data.model_dump(exclude_unset=True)
    handle = changes.get("handle")
    if handle is not None and handle != category.handle:
        taken = session.scalar(
            select(func.count()).where(Category.handle == handle, Category.id != category.id)
        )
        if taken:
            raise DuplicateValue(_l("{value} is already used."), field="handle", value=handle)
    if "parent_id" in changes:
        _check_parent(session, category.id, changes["parent_id"])
    for name, value in changes.items():
        if value is not None or name == "parent_id":
            setattr(category, name, value)
    session.flush()
    return CategoryOut.model_validate(category)


def _check_parent(session: Session, category_id: uuid.UUID, parent_id: uuid.UUID | None) -> None:
    """Refuse a parent that does not exist or that lies under the category (a loop)."""
    seen: set[uuid.UUID] = set()
    ancestor = parent_id
    while ancestor is not None and ancestor not in seen:
        if ancestor == category_id:
            raise InvalidInput(
                _l("A category cannot be placed under itself or one of its subcategories."),
                field="parent_id",
            )
        parent = session.get(Category, ancestor)
        if parent is None:
            raise CategoryNotFound(field="parent_id")
        seen.add(ancestor)
        ancestor = parent.parent_id


def product_counts_by_category(session: Session) -> dict[uuid.UUID, int]:
    """How many products each category holds directly (categories without any are left
    out)."""
    rows = session.execute(
        select(ProductCategory.category_id, func.count()).group_by(ProductCategory.category_id)
    )
    return {row[0]: row[1] for row in rows}


def category_tree(session: Session) -> list[tuple[CategoryOut, int]]:
    """Every category with its depth (0 for a top-level one), each followed by its
    subcategories, siblings by position then name."""
    children: dict[uuid.UUID | None, list[CategoryOut]] = {}
    for category in list_categories(session):
        children.setdefault(category.parent_id, []).append(category)
    tree: list[tuple[CategoryOut, int]] = []

    def visit(parent_id: uuid.UUID | None, depth: int) -> None:
        for category in children.get(parent_id, []):
            tree.append((category, depth))
            visit(category.id, depth + 1)

    visit(None, 0)
    return tree
