"""``comptoir billing ...``: invoices, the ledger, the bank and the exports from the command
line. Each part of billing adds its commands here."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Invoices, the ledger, the bank and accounting exports.", no_args_is_help=True
)
from comptoir.billing.documents.cli import write_invoice_pdf  # noqa: E402

app.command("invoice-pdf")(write_invoice_pdf)
from comptoir.billing.fec.cli import export_fec_command, validate_fec_command  # noqa: E402

app.command("export-fec")(export_fec_command)
app.command("validate-fec")(validate_fec_command)
from comptoir.billing.bank.cli import (  # noqa: E402
    demo_statements_command,
    import_statement_command,
)

app.command("import-statement")(import_statement_command)
app.command("demo-statements")(demo_statements_command)
from comptoir.billing.ledger.cli import (  # noqa: E402
    close_year_command,
    lock_command,
    trial_balance_command,
)

app.command("lock")(lock_command)
app.command("close-year")(close_year_command)
app.command("trial-balance")(trial_balance_command)
from comptoir.billing.invoices.cli import mark_overdue_command  # noqa: E402

app.command("mark-overdue")(mark_overdue_command)
