"""Billing tests use the orders tests' fixtures: an admin API client on the rolled-back test
database, the back office as a signed-in staff member, a live server and a browser page, and a
real SMTP inbox."""

from __future__ import annotations

from tests.backoffice.conftest import (  # noqa: F401  (fixtures)
    admin_settings,
    client,
    live_server,
    page,
)
from tests.orders.conftest import api  # noqa: F401  (fixtures)
from tests.support.mail import inbox, smtp_port  # noqa: F401  (fixtures)
