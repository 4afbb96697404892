"""``comptoir billing mark-overdue``: flag the invoices unpaid after their due date now (the
worker does it every morning), emitting ``invoice.overdue`` once for each."""

from __future__ import annotations

from rich.console import Console

from comptoir.billing.invoices import service
from comptoir.kit.db.engine import create_database
from comptoir.kit.i18n import gettext
from comptoir.kit.settings import get_settings


def mark_overdue_command() -> None:
    """Flag the invoices unpaid after their due date (invoice.overdue, once per invoice)."""
    database = create_database(get_settings())
    with database.transaction() as session:
        count = service.mark_overdue(session, today=service.today())
    Console().print(gettext("{count} invoices newly overdue.", count=count))
