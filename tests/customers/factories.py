"""Typed factories for customers: keyword defaults, unique e-mails, flushed."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from comptoir.customers import schemas, service
from comptoir.customers.models import Customer, CustomerGroup

_sequence = itertools.count(1)


def make_customer(session: Session, **kw: Any) -> Customer:
    n = next(_sequence)
    values: dict[str, Any] = {
        "first_name": "Camille",
        "last_name": f"Martin{n}",
        "email": f"camille.martin{n}@example.fr",
    }
    values.update(kw)
    return service.create_customer(session, schemas.CustomerCreate(**values))


def make_group(session: Session, code: str = "pro", **kw: Any) -> CustomerGroup:
    values: dict[str, Any] = {"code": code, "name": code.upper(), "priority": 0}
    values.update(kw)
    return service.create_group(session, schemas.GroupIn(**values))


def address(**kw: Any) -> schemas.AddressIn:
    values: dict[str, Any] = {
        "recipient": "Camille Martin",
        "line1": "12 rue des Lilas",
        "postcode": "69003",
        "city": "Lyon",
        "country": "FR",
    }
    values.update(kw)
    return schemas.AddressIn(**values)
