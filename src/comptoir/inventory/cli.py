"""``comptoir inventory ...``: stock tools for operators."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from comptoir.inventory.service import check_levels
from comptoir.kit.db.engine import create_database
from comptoir.kit.settings import get_settings

app = typer.Typer(help="Stock levels and their ledger.", no_args_is_help=True)


@app.command("check")
def check() -> None:
    """Compare every stock level with its ledger (movements and active reservations); list
    the differences and exit with status 1 if there is any."""
    console = Console()
    database = create_database(get_settings())
    try:
        with database.transaction(readonly=True) as session:
            differences = check_levels(session)
    finally:
        database.dispose()
    if not differences:
        console.print("Every stock level matches its ledger.")
        return
    table = Table(title=f"{len(differences)} stock level(s) differ from their ledger")
    for column in ("variant", "location", "on hand", "ledger", "reserved", "reservations"):
        table.add_column(column)
    for difference in differences:
        table.add_row(
            str(difference.variant_id),
            str(difference.location_id),
            str(difference.on_hand),
            str(difference.ledger_on_hand),
            str(difference.reserved),
            str(difference.ledger_reserved),
        )
    console.print(table)
    raise typer.Exit(code=1)
