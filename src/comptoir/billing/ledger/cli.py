"""``comptoir billing lock``, ``close-year`` and ``trial-balance``: the ledger from the command
line. Each command runs in one transaction, committed at its end."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from comptoir.billing.ledger import reports, service
from comptoir.kit.db.engine import create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.i18n import gettext
from comptoir.kit.settings import get_settings

ACTOR = "cli"


def _fail(error: DomainError) -> NoReturn:
    Console(stderr=True).print(f"[red]{error.detail('fr')}[/red] ({error.field or '-'})")
    raise typer.Exit(code=1)


def lock_command(
    on: Annotated[datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="YYYY-MM-DD")],
) -> None:
    """Lock the books up to and including DATE (the lock date only moves forward)."""
    database = create_database(get_settings())
    try:
        with database.transaction() as session:
            service.set_lock_date(session, on.date(), actor=ACTOR)
    except DomainError as error:
        _fail(error)
    finally:
        database.dispose()
    Console().print(gettext("Books locked up to {day} included.", day=on.date().isoformat()))


def close_year_command(
    year: Annotated[int, typer.Option("--year", min=1900, max=9999, help="YYYY")],
) -> None:
    """Close the fiscal year ending in YEAR and open the next with its balances."""
    database = create_database(get_settings())
    try:
        with database.transaction() as session:
            done = service.close_year(session, year, actor=ACTOR)
            result = done.result_minor
    except DomainError as error:
        _fail(error)
    finally:
        database.dispose()
    Console().print(
        gettext("Fiscal year {year} closed; result {amount} EUR.", year=year, amount=_euros(result))
    )


def trial_balance_command(
    year: Annotated[int, typer.Option("--year", min=1900, max=9999, help="YYYY")],
) -> None:
    """Print the trial balance of the fiscal year ending in YEAR."""
    database = create_database(get_settings())
    try:
        with database.transaction(readonly=True) as session:
            rows = reports.trial_balance(session, reports.year_period(session, year))
    finally:
        database.dispose()
    table = Table(title=gettext("Trial balance {year}", year=year))
    for column in ("account", "label", "opening", "debit", "credit", "closing"):
        table.add_column(column, justify="right" if column not in ("account", "label") else "left")
    for row in rows:
        table.add_row(
            row.account,
            row.label,
            _euros(row.opening_minor),
            _euros(row.debit_minor),
            _euros(row.credit_minor),
            _euros(row.closing_minor),
        )
    table.add_row(
        "",
        "",
        "",
        _euros(sum(r.debit_minor for r in rows)),
        _euros(sum(r.credit_minor for r in rows)),
        "",
    )
    Console(width=160).print(table)


def _euros(minor: int) -> str:
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


__all__ = ["close_year_command", "lock_command", "trial_balance_command"]
