"""``comptoir import online-retail PATH``: a shop's history from the UCI Online Retail file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from comptoir.imports.service import REASONS, ImportResult, import_online_retail, write_rejections
from comptoir.kit import progress as progress_board
from comptoir.kit.db.engine import create_database
from comptoir.kit.i18n import gettext, use_locale
from comptoir.kit.settings import get_settings

app = typer.Typer(help="Import a shop's history from other systems.", no_args_is_help=True)
PROGRESS_KEY: Final = "import:online-retail"
SHOWN_REJECTIONS: Final = 10


@app.command("online-retail")
def online_retail(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Import only the first N lines.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report only, change nothing.")
    ] = False,
    rejections: Annotated[
        Path | None,
        typer.Option("--rejections", dir_okay=False, help="Write every refused line to this CSV."),
    ] = None,
) -> None:
    """Import the UCI Online Retail file (parquet): products, customers, orders and
    cancellations as returns. Running it again adds nothing."""
    console = Console()
    settings = get_settings()
    database = create_database(settings)
    try:
        with (
            Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
            ) as bar,
            database.transaction() as session,
        ):
            task = bar.add_task(path.name, total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)
                progress_board.report(PROGRESS_KEY, done, total)

            result = import_online_retail(
                session, path, limit=limit, dry_run=dry_run, progress=advance
            )
            if dry_run:
                session.rollback()
    finally:
        progress_board.forget(PROGRESS_KEY)
        database.dispose()
    with use_locale(settings.default_locale):
        _print_result(console, result)
    if rejections is not None:
        write_rejections(result, rejections)
        console.print(f"{len(result.plan.rejections)} -> {rejections}")


def _print_result(console: Console, result: ImportResult) -> None:
    plan, added = result.plan, result.added
    if result.reasons:
        table = Table(title=gettext("Refused lines"))
        for column in ("reason", "lines", "explanation"):
            table.add_column(column)
        for reason, count in result.reasons.most_common():
            table.add_row(reason.value, str(count), str(REASONS[reason]))
        console.print(table)
        first = Table(title=gettext("First refused lines"))
        for column in ("row", "invoice", "stock code", "reason"):
            first.add_column(column)
        for rejection in plan.rejections[:SHOWN_REJECTIONS]:
            first.add_row(
                str(rejection.row), rejection.invoice, rejection.stock_code, rejection.reason
            )
        console.print(first)
    if result.dry_run:
        console.print(gettext("Dry run: nothing was changed."))
    console.print(
        f"lines: {plan.rows} (imported {plan.imported_lines}, refused {len(plan.rejections)})"
    )
    console.print(f"products: {len(plan.products)} (added {added.products})")
    console.print(f"customers: {len(plan.customers)} (added {added.customers})")
    console.print(f"orders: {len(plan.orders)} (added {added.orders})")
    console.print(f"returns: {len(plan.returns)} (added {added.returns})")
    console.print(f"revenue: {result.revenue.amount} {result.revenue.currency}")
    console.print(f"shipping: {result.shipping.amount} {result.shipping.currency}")
    console.print(f"refunded: {result.refunded.amount} {result.refunded.currency}")
