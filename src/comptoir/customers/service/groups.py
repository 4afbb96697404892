"""Customer groups and who belongs to them. A group's code is the ``customer_group`` of the
catalogue's price lists (``pro`` for professional prices)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from comptoir.customers import schemas
from comptoir.customers.models import CustomerGroup, GroupMembership
from comptoir.customers.service.validation import Issues
from comptoir.kit.errors import Conflict
from comptoir.kit.i18n import lazy_gettext as _l


def list_groups(session: Session) -> list[CustomerGroup]:
    return list(session.scalars(select(CustomerGroup).order_by(CustomerGroup.code)))


def create_group(session: Session, data: schemas.GroupIn) -> CustomerGroup:
    """A new group; raises :class:`Conflict` (field ``code``) if the code is taken."""
    if session.scalar(select(CustomerGroup.id).where(CustomerGroup.code == data.code)):
        raise Conflict(_l("A group already has the code {code}."), field="code", code=data.code)
    group = CustomerGroup(**data.model_dump())
    session.add(group)
    session.flush()
    return group


def groups_by_code(session: Session, codes: Sequence[str], issues: Issues) -> list[CustomerGroup]:
    """The groups named by ``codes``; an issue on ``groups.<i>`` for each unknown one."""
    known = {
        group.code: group
        for group in session.scalars(select(CustomerGroup).where(CustomerGroup.code.in_(codes)))
    }
    found: list[CustomerGroup] = []
    for index, code in enumerate(codes):
        group = known.get(code)
        if group is None:
            issues.add(f"groups.{index}", _l("There is no customer group {code}."), code=code)
        elif group not in found:
            found.append(group)
    return found


def group_codes(session: Session, customer_id: uuid.UUID) -> list[str]:
    """The codes of the customer's groups, in code order."""
    return list(
        session.scalars(
            select(CustomerGroup.code)
            .join(GroupMembership, GroupMembership.group_id == CustomerGroup.id)
            .where(GroupMembership.customer_id == customer_id)
            .order_by(CustomerGroup.code)
        )
    )


def set_groups(session: Session, customer_id: uuid.UUID, groups: Sequence[CustomerGroup]) -> None:
    """Make ``groups`` the customer's groups exactly."""
    wanted = {group.id for group in groups}
    current = set(
        session.scalars(
            select(GroupMembership.group_id).where(GroupMembership.customer_id == customer_id)
        )
    )
    if current - wanted:
        session.execute(
            delete(GroupMembership).where(
                GroupMembership.customer_id == customer_id,
                GroupMembership.group_id.in_(current - wanted),
            )
        )
    for group_id in wanted - current:
        session.add(GroupMembership(customer_id=customer_id, group_id=group_id))
    session.flush()


def price_group(session: Session, customer_id: uuid.UUID) -> str | None:
    """The group whose prices the customer gets in the catalogue: among its groups, the one
    of highest priority (then by code); ``None`` for none."""
    return session.scalar(
        select(CustomerGroup.code)
        .join(GroupMembership, GroupMembership.group_id == CustomerGroup.id)
        .where(GroupMembership.customer_id == customer_id)
        .order_by(CustomerGroup.priority.desc(), CustomerGroup.code)
        .limit(1)
    )
