"""The back office's location screens: every warehouse, store and external stock holder, a
new location, and a location's page (address, opening hours, click & collect, active) with
the reorder parameters set for it.

A user restricted to some locations sees only those; others answer 404.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from comptoir.backoffice.nav import SECTION_CATALOG, NavItem, register
from comptoir.backoffice.shell import (
    Crumb,
    PrimaryAction,
    redirect_with_flash,
    register_flash,
    register_pages,
    render,
)
from comptoir.inventory import service
from comptoir.inventory.errors import LocationNotFound
from comptoir.inventory.models import Location
from comptoir.inventory.pages_support import (
    READ,
    WRITE,
    allowed_locations,
    ensure_visible,
    locale,
    variant_labels,
)
from comptoir.inventory.schemas import WEEKDAYS, LocationCreate, LocationUpdate
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import LazyString, translate
from comptoir.kit.i18n import lazy_gettext as _l

LOCATIONS_PATH: Final = "/admin/inventory/locations"
KINDS: Final[dict[str, LazyString]] = {
    "warehouse": _l("Warehouse"),
    "store": _l("Store"),
    "external": _l("External partner"),
}
EXTERNAL_KINDS: Final[dict[str, LazyString]] = {
    "3pl": _l("Logistics provider (3PL)"),
    "marketplace": _l("Fulfilled by a marketplace"),
}
DAY_LABELS: Final[dict[str, LazyString]] = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}
_INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)$")
ADDRESS: Final = ("address_line1", "address_line2", "postal_code", "city", "country")

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_CATALOG,
        label=_l("Locations"),
        path=LOCATIONS_PATH,
        order=32,
        scope="inventory:read",
    )
)
register_flash("location-created", _l("The location was added."))
register_flash("location-updated", _l("The location was saved."))


class _Refused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def _crumbs(*tail: Crumb) -> list[Crumb]:
    return [Crumb(_l("Back office"), "/admin"), Crumb(_l("Locations"), LOCATIONS_PATH), *tail]


def hours_text(intervals: list[dict[str, str]]) -> str:
    """Opening intervals as typed in the form: ``09:00-12:30, 14:00-19:00``."""
    return ", ".join(f"{i['opens']}-{i['closes']}" for i in intervals)


def _opening_hours(request: Request, values: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """The opening hours the form gives, per weekday. Raises :class:`_Refused` naming each
    day that does not read as intervals."""
    hours: dict[str, list[dict[str, str]]] = {}
    errors: dict[str, str] = {}
    for day in WEEKDAYS:
        intervals = []
        for part in values.get(f"hours_{day}", "").split(","):
            if not part.strip():
                continue
            match = _INTERVAL.match(part.strip())
            opens = f"{match.group(1)}:{match.group(2)}" if match else ""
            closes = f"{match.group(3)}:{match.group(4)}" if match else ""
            if not match or closes <= opens:
                errors[f"hours_{day}"] = translate(
                    _l("Write the hours as 09:00-12:30, 14:00-19:00, each closing after it opens."),
                    locale(request),
                )
                break
            intervals.append({"opens": opens, "closes": closes})
        if intervals:
            hours[day] = intervals
    if errors:
        raise _Refused(errors)
    return hours


def _payload(request: Request, values: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": values.get("name", "").strip(),
        "is_active": values.get("is_active") == "1",
        "click_and_collect": values.get("click_and_collect") == "1",
        "opening_hours": _opening_hours(request, values),
    }
    for name in ADDRESS:
        data[name] = values.get(name, "").strip() or None
    if data["country"]:
        data["country"] = data["country"].upper()
    return data


def _validation_errors(request: Request, exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for issue in issues_from_pydantic(exc.errors()):
        errors.setdefault(issue.field.split(".")[0] or "name", issue.translated(locale(request)))
    return errors


def _form_page(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    location: Location | None = None,
    reorder: list[Any] | None = None,
    labels: dict[uuid.UUID, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    title: str | LazyString = location.name if location else _l("Add a location")
    return render(
        request,
        "inventory/location.html",
        status_code=status_code,
        title=title,
        breadcrumb=_crumbs(Crumb(title)),
        location=location,
        values=values,
        errors=errors,
        kinds=KINDS,
        external_kinds=EXTERNAL_KINDS,
        days=DAY_LABELS,
        reorder=reorder or [],
        labels=labels or {},
    )


@router.get("/inventory/locations", response_class=HTMLResponse, dependencies=READ)
def locations_page(request: Request, session: DbSession, kind: str | None = None) -> HTMLResponse:
    """Every location the user may see, filtered by kind."""
    chosen = kind if kind in KINDS else None
    rows = service.list_locations(session, location_ids=allowed_locations(request), kind=chosen)
    return render(
        request,
        "inventory/locations.html",
        title=_l("Locations"),
        breadcrumb=[*_crumbs()[:1], Crumb(_l("Locations"))],
        primary_action=PrimaryAction(_l("Add a location"), f"{LOCATIONS_PATH}/new"),
        locations=rows,
        chosen=chosen,
        kinds=KINDS,
        days=DAY_LABELS,
        hours_text=hours_text,
    )


@router.get("/inventory/locations/new", response_class=HTMLResponse, dependencies=WRITE)
def new_location_page(request: Request) -> HTMLResponse:
    return _form_page(request, {"kind": "warehouse", "is_active": "1", "country": "FR"}, {})


@router.post("/inventory/locations/new", response_class=HTMLResponse, dependencies=WRITE)
async def create_location(request: Request, session: DbSession) -> Response:
    """Add a location; a taken code or a wrong field is shown next to it, nothing is saved."""
    values = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    try:
        data = _payload(request, values)
        data["code"] = values.get("code", "").strip()
        data["kind"] = values.get("kind", "")
        if data["kind"] == "external":
            data["external_kind"] = values.get("external_kind") or None
            data["external_partner"] = values.get("external_partner", "").strip() or None
        location = service.create_location(session, LocationCreate.model_validate(data))
    except _Refused as refused:
        return _form_page(request, values, refused.errors, status_code=422)
    except ValidationError as exc:
        return _form_page(request, values, _validation_errors(request, exc), status_code=422)
    except DomainError as exc:
        errors = {exc.field or "code": exc.detail(locale(request))}
        return _form_page(request, values, errors, status_code=422)
    return redirect_with_flash(request, f"{LOCATIONS_PATH}/{location.id}", "location-created")


def _location_or_404(request: Request, session: Session, location_id: uuid.UUID) -> Location:
    try:
        location = service.get_location(session, location_id)
    except LocationNotFound:
        raise HTTPException(status_code=404) from None
    ensure_visible(request, location.id)
    return location


def _values_of(location: Location) -> dict[str, str]:
    values = {
        "code": location.code,
        "name": location.name,
        "kind": location.kind,
        "is_active": "1" if location.is_active else "",
        "click_and_collect": "1" if location.click_and_collect else "",
        "external_kind": location.external_kind or "",
        "external_partner": location.external_partner or "",
    }
    for name in ADDRESS:
        values[name] = getattr(location, name) or ""
    for day in WEEKDAYS:
        values[f"hours_{day}"] = hours_text(location.opening_hours.get(day, []))
    return values


def _location_page(
    request: Request,
    session: Session,
    location: Location,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    reorder = service.list_reorder_parameters(session, location_ids=[location.id])
    labels = variant_labels(session, [row.variant_id for row in reorder])
    return _form_page(
        request,
        values,
        errors,
        location=location,
        reorder=reorder,
        labels=labels,
        status_code=status_code,
    )


@router.get("/inventory/locations/{location_id}", response_class=HTMLResponse, dependencies=READ)
def location_page(request: Request, session: DbSession, location_id: uuid.UUID) -> HTMLResponse:
    location = _location_or_404(request, session, location_id)
    return _location_page(request, session, location, _values_of(location), {})


@router.post("/inventory/locations/{location_id}", response_class=HTMLResponse, dependencies=WRITE)
async def update_location(request: Request, session: DbSession, location_id: uuid.UUID) -> Response:
    """Save the name, address, opening hours, click & collect and active flag (the code and
    the kind stay)."""
    location = _location_or_404(request, session, location_id)
    submitted = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
    values = {**_values_of(location), **submitted}
    for flag in ("is_active", "click_and_collect"):
        values[flag] = submitted.get(flag, "")
    try:
        data = LocationUpdate.model_validate(_payload(request, values))
        service.update_location(session, location.id, data)
    except _Refused as refused:
        return _location_page(request, session, location, values, refused.errors, 422)
    except ValidationError as exc:
        errors = _validation_errors(request, exc)
        return _location_page(request, session, location, values, errors, 422)
    return redirect_with_flash(request, f"{LOCATIONS_PATH}/{location.id}", "location-updated")
