"""The back office's accounting exports page, ``/admin/billing/exports``: choose a fiscal year,
see whether its FEC follows the administration's rules (and where it does not), download the
FEC and the entries as a CSV."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from comptoir.backoffice.nav import SECTION_FINANCE, NavItem, register
from comptoir.backoffice.shell import Crumb, register_pages, render, request_locale, require_scope
from comptoir.billing.fec.export import (
    CheckedFec,
    checked_fec,
    export_entries_csv,
    fiscal_years,
)
from comptoir.billing.fec.router import FEC_MEDIA_TYPE
from comptoir.kit.errors import DomainError
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.i18n import translate
from comptoir.kit.money import Money
from comptoir.kit.sheets import CSV_MEDIA_TYPE

EXPORTS_PATH: Final = "/admin/billing/exports"
EXPORT = [require_scope("billing:export")]
SHOWN_PROBLEMS: Final = 200

router = APIRouter()
register_pages(router, templates=Path(__file__).parent / "templates")
register(
    NavItem(
        section=SECTION_FINANCE,
        label=_l("Accounting exports"),
        path=EXPORTS_PATH,
        order=60,
        scope="billing:export",
    )
)


@dataclass(frozen=True, slots=True)
class YearChoice:
    year: int
    label: str


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


@router.get("/billing/exports", response_class=HTMLResponse, dependencies=EXPORT)
def exports_page(
    request: Request, session: DbSession, year: int | None = Query(None, ge=1900, le=9999)
) -> HTMLResponse:
    """The fiscal years, and for the chosen one (the latest by default) the FEC's verdict
    with its figures and problems, and the download buttons."""
    locale = request_locale(request)
    years = [
        YearChoice(
            fiscal_year.end_date.year,
            translate(
                _l("{start} to {end}"),
                locale,
                start=format_date(fiscal_year.start_date, format="medium", locale=locale),
                end=format_date(fiscal_year.end_date, format="medium", locale=locale),
            ),
        )
        for fiscal_year in fiscal_years(session)
    ]
    known = {choice.year for choice in years}
    chosen = year if year in known else (years[0].year if years else None)
    fec: CheckedFec | None = None
    refusal: str | None = None
    if chosen is not None:
        try:
            fec = checked_fec(session, year=chosen, zone=_zone(request))
        except DomainError as error:
            refusal = error.detail(locale)
    return render(
        request,
        "fec/exports.html",
        title=_l("Accounting exports"),
        breadcrumb=[Crumb(_l("Back office"), "/admin"), Crumb(_l("Accounting exports"))],
        years=years,
        chosen=chosen,
        fec=fec,
        refusal=refusal,
        problems=fec.report.problems[:SHOWN_PROBLEMS] if fec else [],
        locale=locale,
        money=lambda amount: Money(Decimal(amount), "EUR").format(locale),
    )


@router.get("/billing/exports/fec", dependencies=EXPORT)
def fec_download(
    request: Request, session: DbSession, year: int = Query(ge=1900, le=9999)
) -> Response:
    """The FEC of the year as an attachment, when it follows every rule; otherwise back to
    the page, which says why."""
    fec = checked_fec(session, year=year, zone=_zone(request))
    if not fec.report.is_valid:
        return RedirectResponse(f"{EXPORTS_PATH}?year={year}", status_code=303)
    return Response(
        fec.content,
        media_type=FEC_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{fec.name}"'},
    )


@router.get("/billing/exports/entries.csv", dependencies=EXPORT)
def entries_csv_download(
    request: Request, session: DbSession, year: int = Query(ge=1900, le=9999)
) -> Response:
    """The entry lines of the year as a CSV for a spreadsheet."""
    return Response(
        export_entries_csv(session, year=year, zone=_zone(request)),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="entries-{year}.csv"'},
    )
