"""``comptoir catalog import|export``: the catalogue and its stock from and to spreadsheets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from comptoir.kit.db.engine import create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.i18n import DEFAULT_LOCALE
from comptoir.kit.settings import get_settings
from comptoir.kit.sheets import ImportReport, RowOutcome, read_sheet
from comptoir.spreadsheets import service

app = typer.Typer(help="The catalogue from and to spreadsheets (CSV, XLSX).", no_args_is_help=True)


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only, change nothing.")
    ] = False,
    location: Annotated[
        str | None, typer.Option(help="Location code for rows that name none.")
    ] = None,
    price_list: Annotated[
        str | None, typer.Option(help="Price list code for rows that name none.")
    ] = None,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Refuse the whole file if any row is bad.")
    ] = False,
) -> None:
    """Import products, variants, prices and stock levels (upsert by SKU). Exits with status
    1 when rows were refused."""
    console = Console()
    settings = get_settings()
    locale = settings.default_locale
    database = create_database(settings)
    try:
        sheet = read_sheet(file.read_bytes(), file.name)
        with (
            Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
            ) as bar,
            database.transaction() as session,
        ):
            task = bar.add_task(file.name, total=len(sheet.rows))
            report = service.import_catalog(
                session,
                sheet,
                location_code=location,
                price_list_code=price_list,
                dry_run=dry_run,
                all_or_nothing=all_or_nothing,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except DomainError as error:
        console.print(f"[red]{error.detail(locale or DEFAULT_LOCALE)}[/red]")
        raise typer.Exit(code=2) from None
    finally:
        database.dispose()
    _print_report(console, report, locale)
    if report.issues:
        raise typer.Exit(code=1)


def _print_report(console: Console, report: ImportReport, locale: str) -> None:
    summary = ", ".join(f"{outcome}: {report.outcomes[outcome]}" for outcome in RowOutcome)
    verdict = (
        "dry run, nothing changed"
        if report.dry_run
        else ("applied" if report.kept else "nothing applied")
    )
    console.print(
        f"{report.total_rows} rows ({summary}; refused lines: "
        f"{len(report.rejected_lines)}): {verdict}."
    )
    if report.issues:
        table = Table(title="Refused rows")
        for column in ("line", "column", "reason"):
            table.add_column(column)
        for issue in report.issues:
            table.add_row(
                str(issue.line),
                issue.column or "",
                issue.translated(locale),  # type: ignore[arg-type]
            )
        console.print(table)


@app.command("export")
def export_file(
    output: Annotated[Path, typer.Option("--output", "-o", dir_okay=False)],
    export_format: Annotated[str, typer.Option("--format", help="csv or xlsx")] = "csv",
    location: Annotated[str | None, typer.Option(help="Include stock at this location.")] = None,
    price_list: Annotated[str | None, typer.Option(help="Include this price list.")] = None,
) -> None:
    """Write every variant with its product, price and stock to a CSV or XLSX file that
    ``comptoir catalog import`` reads back unchanged."""
    if export_format not in ("csv", "xlsx"):
        raise typer.BadParameter("csv or xlsx", param_hint="--format")
    console = Console()
    settings = get_settings()
    database = create_database(settings)
    try:
        with database.transaction(readonly=True) as session:
            data = service.export_catalog(
                session,
                "csv" if export_format == "csv" else "xlsx",
                location_code=location,
                price_list_code=price_list,
            )
    except DomainError as error:
        console.print(f"[red]{error.detail(settings.default_locale)}[/red]")
        raise typer.Exit(code=2) from None
    finally:
        database.dispose()
    output.write_bytes(data)
    console.print(f"Catalogue written to {output}.")
