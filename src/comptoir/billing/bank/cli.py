"""``comptoir billing import-statement FILE --account IBAN``: import a bank statement and
reconcile the account from the command line; ``comptoir billing demo-statements --output
DIR`` writes the demo's statements of what the books hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from comptoir.billing.bank import demo, service
from comptoir.kit.db.engine import create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.i18n import gettext, use_locale
from comptoir.kit.settings import get_settings


def import_statement_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="camt.053, OFX or CSV file.")
    ],
    account: Annotated[str, typer.Option("--account", help="The account's IBAN.")],
    file_format: Annotated[
        str | None,
        typer.Option("--format", help="camt053, ofx or csv (guessed when left out)."),
    ] = None,
) -> None:
    """Import FILE into the bank account with this IBAN and reconcile it. A refused file is
    listed problem by problem (exit code 1) and nothing is imported."""
    console = Console()
    settings = get_settings()
    locale = settings.default_locale
    database = create_database(settings)
    try:
        with console.status(f"{file.name}…"), database.transaction() as session:
            bank_account = service.account_by_iban(session, account)
            outcome = service.import_statement(
                session,
                bank_account.id,
                file_name=file.name,
                content=file.read_bytes(),
                file_format=file_format,
                actor="cli",
            )
            summary = outcome.reconciled
            is_new, lines = outcome.is_new, outcome.lines
    except DomainError as error:
        console.print(f"[red]{error.detail(locale)}[/red]", highlight=False)
        if error.issues:
            table = Table("Where", "Problem")
            for issue in error.issues:
                table.add_row(issue.field, issue.translated(locale))
            console.print(table)
        raise typer.Exit(code=1) from None
    finally:
        database.dispose()
    with use_locale(locale):
        if not is_new:
            console.print(gettext("This file was already imported: nothing was added."))
            return
        console.print(
            gettext("{lines} lines imported.", lines=lines)
            + (
                " "
                + gettext(
                    "{matched} reconciled automatically, {suggested} to check, "
                    "{unmatched} unmatched.",
                    matched=summary.matched,
                    suggested=summary.suggested,
                    unmatched=summary.unmatched,
                )
                if summary
                else ""
            )
        )


def demo_statements_command(
    output: Annotated[Path, typer.Option("--output", file_okay=False, help="Folder to write in.")],
) -> None:
    """Write one camt.053 file per month for what the books expect to see on the bank (card
    payouts, transfers for open invoices, supplier payments) with a bank's noise."""
    console = Console()
    database = create_database(get_settings())
    output.mkdir(parents=True, exist_ok=True)
    try:
        with database.transaction(readonly=True) as session:
            statements = demo.statements_for_books(session)
    finally:
        database.dispose()
    for statement in statements:
        (output / f"releve-{statement.month:%Y-%m}.xml").write_bytes(statement.xml)
    console.print(f"{len(statements)} statements written to {output}.")
