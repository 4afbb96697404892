"""``comptoir orders ...``: orders from the command line."""

from __future__ import annotations

import typer

from comptoir.orders.marketplace.cli import import_marketplace

app = typer.Typer(help="Orders.", no_args_is_help=True)
app.command("import-marketplace")(import_marketplace)
