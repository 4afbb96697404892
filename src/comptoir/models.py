"""Every table of Comptoir, imported in one place for Alembic and the test harness.

A new module adds one import line here.
"""

from comptoir.kit.db.base import Base
from comptoir.kit.events import models as _events  # noqa: F401
from comptoir.kit.idempotency import models as _idempotency  # noqa: F401
from comptoir.kit.jobs import models as _jobs  # noqa: F401

metadata = Base.metadata
