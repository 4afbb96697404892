"""Back-office screen: the carriers and their rate tables (read-only; they are changed
through the admin API)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from comptoir.backoffice.nav import SECTION_SALES, NavItem, register
from comptoir.backoffice.shell import Crumb, register_pages, render, request_locale, require_scope
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money
from comptoir.orders.delivery import service, views

CARRIERS_PATH: Final = "/admin/carriers"
READ = [require_scope("orders:read")]

KINDS: Final[dict[str, LazyString]] = {
    "home": _l("Home delivery"),
    "pickup_point": _l("Pickup point"),
    "click_collect": _l("Click & collect"),
}

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_SALES,
        label=_l("Carriers"),
        path=CARRIERS_PATH,
        order=30,
        scope="orders:read",
    )
)


def _price(request: Request) -> Callable[[int, str], str]:
    locale = request_locale(request)
    return lambda minor, currency: Money.from_minor(minor, currency).format(locale)


@router.get("/carriers", response_class=HTMLResponse, dependencies=READ)
def carriers_page(request: Request, session: DbSession) -> HTMLResponse:
    """Every carrier, its zones and its weight bands."""
    return render(
        request,
        "delivery/carriers.html",
        title=_l("Carriers"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Carriers"))],
        carriers=[views.carrier_out(carrier) for carrier in service.list_carriers(session)],
        kinds=KINDS,
        price=_price(request),
        kg=lambda grams: Decimal(grams) / 1000,
    )
