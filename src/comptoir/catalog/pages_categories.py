"""The back office's category screens: the category tree with the number of products in each
(a link to the product list filtered on it), a form to add a category, and a category's page
to rename it, change its handle, position or parent."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
    request_locale,
)
from comptoir.catalog import schemas, service
from comptoir.catalog.errors import CategoryNotFound
from comptoir.catalog.pages_support import (
    READ,
    WRITE,
    FormRefused,
    crumbs,
    domain_errors,
    form_values,
    pydantic_errors,
    read_int,
)
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l

CATEGORIES_PATH: Final = "/admin/catalog/categories"

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Categories"),
        path=CATEGORIES_PATH,
        order=15,
        scope="catalog:read",
    )
)
register_flash("category-created", _l("The category was added."))
register_flash("category-updated", _l("The category was saved."))


def _category_or_404(session: Session, category_id: uuid.UUID) -> schemas.CategoryOut:
    try:
        return service.get_category(session, category_id)
    except CategoryNotFound:
        raise HTTPException(status_code=404) from None


def _parent_id(values: dict[str, str]) -> str | None:
    """The parent chosen in the form (``None``: top level)."""
    return values.get("parent_id", "").strip() or None


def _position(values: dict[str, str], request: Request) -> int:
    """The position typed (0 when empty). Raises :class:`FormRefused`."""
    return read_int(values.get("position", ""), "position", request_locale(request)) or 0


def _categories_page(
    request: Request,
    session: Session,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "catalog/categories.html",
        status_code=status_code,
        title=_l("Categories"),
        breadcrumb=crumbs(Crumb(_l("Categories"))),
        tree=service.category_tree(session),
        counts=service.product_counts_by_category(session),
        values=values or {"position": "0"},
        errors=errors or {},
    )


@router.get("/catalog/categories", response_class=HTMLResponse, dependencies=READ)
def categories_page(request: Request, session: DbSession) -> HTMLResponse:
    """The category tree with the number of products in each, and a form to add one."""
    return _categories_page(request, session)


@router.post("/catalog/categories", response_class=HTMLResponse, dependencies=WRITE)
async def create_category(request: Request, session: DbSession) -> Response:
    """Add a category (its handle made from its name when left empty); on a refusal, the
    form again with every value kept and nothing created."""
    values = form_values(await request.form())
    locale = request_locale(request)
    name = values.get("name", "")
    try:
        data = schemas.CategoryCreate.model_validate(
            {
                "name": name,
                "handle": values.get("handle", "").strip() or service.slugify(name),
                "parent_id": _parent_id(values),
                "position": _position(values, request),
            }
        )
        category = service.create_category(session, data)
    except FormRefused as refused:
        return _categories_page(request, session, values, refused.errors, 422)
    except ValidationError as exc:
        return _categories_page(request, session, values, pydantic_errors(exc, locale), 422)
    except DomainError as exc:
        errors = domain_errors(exc, locale, "name")
        return _categories_page(request, session, values, errors, 422)
    return redirect_with_flash(request, f"{CATEGORIES_PATH}/{category.id}", "category-created")


def _category_page(
    request: Request,
    session: Session,
    category: schemas.CategoryOut,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    # A category cannot move under itself or its subcategories: they are not offered.
    tree = service.category_tree(session)
    excluded: set[uuid.UUID] = {category.id}
    for candidate, _depth in tree:
        if candidate.parent_id in excluded:
            excluded.add(candidate.id)
    return render(
        request,
        "catalog/category.html",
        status_code=status_code,
        title=category.name,
        breadcrumb=crumbs(Crumb(_l("Categories"), CATEGORIES_PATH), Crumb(category.name)),
        category=category,
        parents=[(c, depth) for c, depth in tree if c.id not in excluded],
        count=service.product_counts_by_category(session).get(category.id, 0),
        values=values
        or {
            "name": category.name,
            "handle": category.handle,
            "parent_id": str(category.parent_id or ""),
            "position": str(category.position),
        },
        errors=errors or {},
    )


@router.get("/catalog/categories/{category_id}", response_class=HTMLResponse, dependencies=READ)
def category_page(request: Request, session: DbSession, category_id: uuid.UUID) -> HTMLResponse:
    """A category: its products, and the form to rename or move it."""
    return _category_page(request, session, _category_or_404(session, category_id))


@router.post("/catalog/categories/{category_id}", response_class=HTMLResponse, dependencies=WRITE)
async def update_category(request: Request, session: DbSession, category_id: uuid.UUID) -> Response:
    """Rename the category, change its handle, position or parent; a refusal keeps what was
    typed and changes nothing."""
    category = _category_or_404(session, category_id)
    values = form_values(await request.form())
    locale = request_locale(request)
    try:
        data = schemas.CategoryUpdate.model_validate(
            {
                "name": values.get("name", ""),
                "handle": values.get("handle", "").strip(),
                "parent_id": _parent_id(values),
                "position": _position(values, request),
            }
        )
        with session.begin_nested():
            service.update_category(session, category.id, data)
    except FormRefused as refused:
        return _category_page(request, session, category, values, refused.errors, 422)
    except ValidationError as exc:
        errors = pydantic_errors(exc, locale)
        return _category_page(request, session, category, values, errors, 422)
    except DomainError as exc:
        errors = domain_errors(exc, locale, "name")
        return _category_page(request, session, category, values, errors, 422)
    return redirect_with_flash(request, f"{CATEGORIES_PATH}/{category.id}", "category-updated")
