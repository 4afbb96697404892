"""``comptoir customers ...``: finding a customer from the command line."""

from __future__ import annotations

import typer
from rich.console import Console

from comptoir.customers import service
from comptoir.kit.db.engine import create_database
from comptoir.kit.settings import get_settings

app = typer.Typer(help="Customers: people and companies.", no_args_is_help=True)


@app.command("find")
def find(email_or_phone: str) -> None:
    """Find the customer an exact e-mail or phone leads to (through the blind index); exit
    with status 1 when there is none."""
    console = Console()
    database = create_database(get_settings())
    try:
        with database.transaction(readonly=True) as session:
            if "@" in email_or_phone:
                customer = service.find_by_email(session, email_or_phone)
            else:
                customer = service.find_by_phone(session, email_or_phone)
            if customer is None:
                console.print("No customer has this e-mail or phone.")
                raise typer.Exit(code=1)
            out = service.customer_out(session, customer)
    finally:
        database.dispose()
    console.print(f"{out.id}  {out.display_name}  {out.email or '-'}  {out.phone or '-'}")
