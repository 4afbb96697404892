"""``comptoir audit``: check the audit trail's hash chain."""

from __future__ import annotations

import typer
from rich.console import Console

audit_app = typer.Typer(help="The audit trail: verify its hash chain.", no_args_is_help=True)
console = Console()


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the chain; exit 1 naming the first altered, missing or moved entry."""
    from comptoir.kit.db.engine import create_database
    from comptoir.kit.settings import get_settings
    from comptoir.privacy.service import verify_chain

    database = create_database(get_settings())
    try:
        with database.transaction(readonly=True) as session:
            report = verify_chain(session)
    finally:
        database.dispose()
    if not report.is_intact:
        console.print(
            f"[red]Audit trail broken at entry {report.first_bad_seq}: {report.problem}[/red] "
            f"({report.checked} entries intact before it)"
        )
        raise typer.Exit(1)
    console.print(f"Audit trail intact: {report.checked} entries.")
