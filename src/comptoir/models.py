"""Every table of Comptoir, imported in one place for Alembic and the test harness.

A new module adds one import line here.
"""

from comptoir.billing.bank import models as _billing_bank  # noqa: F401
from comptoir.billing.bills import models as _billing_bills  # noqa: F401
from comptoir.billing.invoices import models as _billing_invoices  # noqa: F401
from comptoir.billing.ledger import models as _billing_ledger  # noqa: F401
from comptoir.catalog import models as _catalog  # noqa: F401
from comptoir.channels import models as _channels  # noqa: F401
from comptoir.customers import models as _customers  # noqa: F401
from comptoir.identity import models as _identity  # noqa: F401
from comptoir.identity.external import models as _external  # noqa: F401
from comptoir.identity.oauth import models as _oauth  # noqa: F401
from comptoir.identity.shoppers import models as _shoppers  # noqa: F401
from comptoir.inventory import models as _inventory  # noqa: F401
from comptoir.kit.crypto import models as _crypto  # noqa: F401
from comptoir.kit.db.base import Base
from comptoir.kit.events import models as _events  # noqa: F401
from comptoir.kit.idempotency import models as _idempotency  # noqa: F401
from comptoir.kit.jobs import models as _jobs  # noqa: F401
from comptoir.orders import abandoned as _orders_abandoned  # noqa: F401
from comptoir.orders import models as _orders  # noqa: F401
from comptoir.orders.delivery import models as _orders_delivery  # noqa: F401
from comptoir.orders.drafts import models as _orders_drafts  # noqa: F401
from comptoir.orders.fulfilment import models as _orders_fulfilment  # noqa: F401
from comptoir.orders.payments import models as _orders_payments  # noqa: F401
from comptoir.orders.returns import models as _orders_returns  # noqa: F401
from comptoir.privacy import models as _privacy  # noqa: F401
from comptoir.purchasing import models as _purchasing  # noqa: F401
from comptoir.spreadsheets import models as _spreadsheets  # noqa: F401

metadata = Base.metadata
