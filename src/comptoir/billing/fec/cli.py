"""``comptoir billing export-fec --year YYYY --output DIR`` and ``comptoir billing validate-fec
FILE``: the FEC from the command line, checked by the administration's rules."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Final, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from comptoir.billing.fec.export import export_fec, fiscal_year_closing_in, seller_siren
from comptoir.billing.fec.validator import FecReport, validate_fec
from comptoir.kit import progress as progress_board
from comptoir.kit.db.engine import create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.i18n import Locale, gettext, use_locale
from comptoir.kit.settings import get_settings

PROGRESS_KEY: Final = "billing:export-fec"
SHOWN_PROBLEMS: Final = 50


def export_fec_command(
    year: Annotated[
        int, typer.Option("--year", min=1900, max=9999, help="The year the fiscal year closes in.")
    ],
    output: Annotated[
        Path, typer.Option("--output", file_okay=False, help="The folder to write the file in.")
    ],
    siren: Annotated[
        str | None, typer.Option("--siren", help="The SIREN (default: the seller's).")
    ] = None,
) -> None:
    """Write the FEC of the fiscal year closing in YEAR (SIRENFECAAAAMMJJ.txt), then check it
    by the administration's rules: exits with 1 and lists the problems if it breaks one."""
    console = Console()
    settings = get_settings()
    database = create_database(settings)
    try:
        with (
            Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
            ) as bar,
            database.transaction(readonly=True) as session,
        ):
            task = bar.add_task(f"FEC {year}", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)
                progress_board.report(PROGRESS_KEY, done, total)

            fiscal_year = fiscal_year_closing_in(session, year)
            chosen_siren = seller_siren(session, siren)
            path = export_fec(
                session,
                year=year,
                directory=output,
                siren=chosen_siren,
                zone=ZoneInfo(settings.timezone),
                progress=advance,
            )
            start = fiscal_year.start_date
    except DomainError as error:
        _fail(console, error, settings.default_locale)
    finally:
        progress_board.forget(PROGRESS_KEY)
        database.dispose()
    report = validate_fec(path, siren=chosen_siren, fiscal_year_start=start)
    console.print(str(path), highlight=False, soft_wrap=True)
    _print_report(console, report, settings.default_locale)
    if not report.is_valid:
        raise typer.Exit(code=1)


def validate_fec_command(
    path: Annotated[Path, typer.Argument(dir_okay=False, help="The FEC file to check.")],
    siren: Annotated[
        str | None, typer.Option("--siren", help="The SIREN the file name must carry.")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="First day of the fiscal year, YYYY-MM-DD (default: 12 months)."
        ),
    ] = None,
) -> None:
    """Check a FEC file (from Comptoir or any accounting package) by the administration's
    rules: exits with 1 and lists every problem, line and column, if it breaks one."""
    console = Console()
    locale = get_settings().default_locale
    try:
        first_day = date.fromisoformat(start) if start else None
    except ValueError:
        console.print(f"[red]--start {start}: YYYY-MM-DD[/red]", highlight=False)
        raise typer.Exit(code=2) from None
    report = validate_fec(path, siren=siren, fiscal_year_start=first_day)
    _print_report(console, report, locale)
    if not report.is_valid:
        raise typer.Exit(code=1)


def _fail(console: Console, error: DomainError, locale: Locale) -> NoReturn:
    console.print(f"[red]{error.detail(locale)}[/red]", highlight=False)
    raise typer.Exit(code=1)


def _print_report(console: Console, report: FecReport, locale: Locale) -> None:
    with use_locale(locale):
        console.print(f"encoding: {report.encoding or '-'}", highlight=False)
        console.print(f"separator: {report.separator or '-'}", highlight=False)
        console.print(f"lines: {report.line_count}", highlight=False)
        console.print(f"entries: {report.entry_count}", highlight=False)
        console.print(f"debit: {report.debit_total}", highlight=False)
        console.print(f"credit: {report.credit_total}", highlight=False)
        if report.is_valid:
            verdict = gettext("The FEC file follows every rule checked.")
            console.print(f"[green]{verdict}[/green]", highlight=False)
            return
        table = Table(title=gettext("Problems"))
        for column in ("line", "field", "rule", "problem"):
            table.add_column(column)
        for problem in report.problems[:SHOWN_PROBLEMS]:
            table.add_row(
                str(problem.line or ""), problem.field or "", problem.rule, problem.message(locale)
            )
        console.print(table)
        verdict = gettext(
            "The FEC file breaks the rules in {count} places.", count=len(report.problems)
        )
        console.print(f"[red]{verdict}[/red]", highlight=False)
