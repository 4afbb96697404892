"""The accounting exports of the admin API (scope ``billing:export``):
``GET /api/v1/billing/fec?year=YYYY`` (the FEC file, checked before it is handed out) and
``GET /api/v1/billing/entries.csv?year=YYYY`` (the same entries for a spreadsheet)."""

from __future__ import annotations

from typing import Annotated, Final
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from comptoir.billing.fec.errors import FecInvalid
from comptoir.billing.fec.export import checked_fec, export_entries_csv
from comptoir.billing.fec.validator import MESSAGES, FecReport
from comptoir.kit.errors import problem_responses
from comptoir.kit.http.access import requires
from comptoir.kit.http.transaction import DbSession
from comptoir.kit.http.validation import FieldIssue
from comptoir.kit.sheets import CSV_MEDIA_TYPE

router = APIRouter(prefix="/billing", tags=["billing"])
EXPORT = [requires("billing:export")]
Year = Annotated[int, Query(ge=1900, le=9999, description="The year the fiscal year closes in.")]
SHOWN_ISSUES: Final = 100
FEC_MEDIA_TYPE: Final = "text/plain; charset=utf-8"


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.timezone)


def refuse_if_invalid(report: FecReport) -> None:
    """Raise :class:`FecInvalid`, naming the first problems (line and column), when the file
    breaks a rule: a FEC the administration would reject is never handed out."""
    if report.is_valid:
        return
    issues = [
        FieldIssue(
            field=_where(problem.line, problem.field),
            message=MESSAGES[problem.rule],
            params=dict(problem.params),
        )
        for problem in report.problems[:SHOWN_ISSUES]
    ]
    raise FecInvalid(len(report.problems), issues=issues)


def _where(line: int | None, column: str | None) -> str:
    """``line.12.Debit``, ``line.1`` or ``file``: where the problem is."""
    if line is None:
        return column or "file"
    return f"line.{line}.{column}" if column else f"line.{line}"


@router.get(
    "/fec",
    dependencies=EXPORT,
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The FEC file (an attachment)."},
        **problem_responses(404),
    },
)
def download_fec(request: Request, session: DbSession, year: Year) -> Response:
    """The FEC (fichier des écritures comptables) of the fiscal year closing in ``year``,
    named ``SIRENFECAAAAMMJJ.txt``: 404 when no fiscal year closes in it, 422 when the
    seller's SIREN is missing or the file would break one of the administration's rules."""
    fec = checked_fec(session, year=year, zone=_zone(request))
    refuse_if_invalid(fec.report)
    return Response(
        fec.content,
        media_type=FEC_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{fec.name}"'},
    )


@router.get(
    "/entries.csv",
    dependencies=EXPORT,
    response_class=Response,
    responses={
        200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "The entry lines (CSV)."},
        **problem_responses(404),
    },
)
def download_entries_csv(request: Request, session: DbSession, year: Year) -> Response:
    """Every entry line of the fiscal year closing in ``year``, as a CSV (``;``-separated,
    UTF-8) for a spreadsheet; 404 when no fiscal year closes in it."""
    content = export_entries_csv(session, year=year, zone=_zone(request))
    return Response(
        content,
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="entries-{year}.csv"'},
    )
