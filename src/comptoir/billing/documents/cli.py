"""``comptoir billing invoice-pdf NUMBER --output FILE``: an invoice's Factur-X PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from comptoir.billing.documents import service
from comptoir.billing.documents.pdf import invoice_pdf
from comptoir.kit.db.engine import create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.settings import get_settings


def write_invoice_pdf(
    number: Annotated[str, typer.Argument(help="The invoice number, e.g. FA-2026-000045.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", dir_okay=False, help="Where to write the PDF.")
    ],
    language: Annotated[
        str | None, typer.Option("--language", help="fr or en (default: the invoice's).")
    ] = None,
) -> None:
    """Write an invoice's (or credit note's) Factur-X PDF: PDF/A-3 with its EN 16931 XML."""
    console = Console(stderr=True)
    settings = get_settings()
    if language not in (None, "fr", "en"):
        console.print(f"[red]Unknown language {language!r}: use fr or en.[/red]", highlight=False)
        raise typer.Exit(code=2)
    database = create_database(settings)
    try:
        with database.transaction(readonly=True) as session:
            invoice = service.ensure_printable(service.invoice_by_number(session, number))
            pdf = invoice_pdf(invoice, language=language)
    except DomainError as error:
        console.print(f"[red]{error.detail(settings.default_locale)}[/red]", highlight=False)
        raise typer.Exit(code=1) from None
    finally:
        database.dispose()
    output.write_bytes(pdf)
    console.print(f"{number} → {output} ({len(pdf)} bytes)", highlight=False)
