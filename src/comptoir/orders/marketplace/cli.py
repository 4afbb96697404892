"""``comptoir orders import-marketplace CHANNEL_CODE FILE``: a marketplace's orders from a CSV
file (see :mod:`comptoir.orders.marketplace.csv_format`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from comptoir.channels import service as channels
from comptoir.kit.db.engine import create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.i18n import Locale, gettext, use_locale
from comptoir.kit.settings import get_settings
from comptoir.orders.marketplace import service
from comptoir.orders.marketplace.csv_format import CsvOrder, line_of, read_orders
from comptoir.orders.marketplace.schemas import MarketplaceImportReport
from comptoir.orders.marketplace.views import report_out

ACTOR = "cli:import-marketplace"


def import_marketplace(
    channel_code: Annotated[str, typer.Argument(help="The marketplace channel's code.")],
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report only, change nothing.")
    ] = False,
) -> None:
    """Import a marketplace's orders from a CSV file (one line per order line). An order
    already imported on the channel is skipped; a bad one is rejected alone."""
    console = Console()
    settings = get_settings()
    try:
        rows = read_orders(path.read_text(encoding="utf-8"))
    except (DomainError, UnicodeDecodeError) as error:
        _fail(console, error, settings.default_locale)
    database = create_database(settings)
    try:
        with (
            Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
            ) as bar,
            database.transaction() as session,
        ):
            task = bar.add_task(path.name, total=len(rows))
            channel = channels.channel_by_code(session, channel_code)
            if channel is None:
                console.print(f"[red]No channel has the code {channel_code!r}.[/red]")
                raise typer.Exit(code=1)
            outcome = service.import_orders(
                session,
                channel.id,
                [row.order for row in rows],
                actor=ACTOR,
                progress=lambda done, _total: bar.update(task, completed=done),
            )
            report = report_out(outcome, settings.default_locale)
            if dry_run:
                session.rollback()
    except DomainError as error:
        _fail(console, error, settings.default_locale)
    finally:
        database.dispose()
    with use_locale(settings.default_locale):
        _print_report(console, report, rows, dry_run=dry_run)


def _fail(console: Console, error: Exception, locale: Locale) -> NoReturn:
    text = error.detail(locale) if isinstance(error, DomainError) else str(error)
    console.print(f"[red]{text}[/red]", highlight=False)
    raise typer.Exit(code=1)


def _print_report(
    console: Console, report: MarketplaceImportReport, rows: list[CsvOrder], *, dry_run: bool
) -> None:
    if report.rejected:
        table = Table(title=gettext("Rejected orders"))
        for column in ("order", "line", "field", "reason"):
            table.add_column(column)
        for rejected in report.rejected:
            line = line_of(rows[rejected.index], rejected.field)
            table.add_row(
                rejected.marketplace_order_id,
                str(line or rows[rejected.index].lines[0]),
                rejected.field or "",
                rejected.detail,
            )
        console.print(table)
    if dry_run:
        console.print(gettext("Dry run: nothing was changed."))
    console.print(f"orders: {len(rows)}")
    console.print(f"created: {len(report.created)}")
    console.print(f"duplicates: {len(report.duplicates)}")
    console.print(f"rejected: {len(report.rejected)}")
