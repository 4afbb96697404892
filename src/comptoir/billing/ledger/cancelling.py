"""Undoing a posted entry the way an accountant does: nothing is deleted, the entry is reversed
and both it and its reversal leave the open items."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy.orm import Session

from comptoir.billing.ledger.entries import get_entry, lock_date, reverse_entry
from comptoir.billing.ledger.lettering import letter, unletter
from comptoir.billing.ledger.models import Entry, EntryLine
from comptoir.kit import clock


def cancel_entry(session: Session, entry_id: uuid.UUID, *, actor: str | None = None) -> Entry:
    """Reverse an entry posted by mistake and take it out of the open items.

    Every lettering its lines were part of is undone (the invoice, bill or card takings it
    settled are open again), the reversal is posted on the entry's own date while that period
    is open (on the first open day otherwise), and each line that was lettered is lettered with
    its mirror in the reversal. Idempotent: an entry is reversed once. Raises what
    :func:`reverse_entry` raises, with nothing changed."""
    original = get_entry(session, entry_id)
    with session.begin_nested():  # a refusal by the books leaves every lettering as it was
        lettered = [line for line in original.lines if line.lettering]
        for code in sorted({line.lettering for line in lettered if line.lettering}):
            unletter(session, code)
        reversal = reverse_entry(
            session, original.id, on=_reversal_date(session, original), actor=actor
        )
        mirrors = list(reversal.lines)
        for line in lettered:
            mirror = _take_mirror(mirrors, line)
            if mirror is not None and mirror.lettering is None:
                letter(session, [line.id, mirror.id], on=reversal.entry_date)
    return reversal


def _reversal_date(session: Session, original: Entry) -> date:
    locked = lock_date(session)
    if locked is None or original.entry_date > locked:
        return original.entry_date
    return max(clock.now().date(), locked + timedelta(days=1))


def _take_mirror(candidates: list[EntryLine], line: EntryLine) -> EntryLine | None:
    for candidate in candidates:
        if (
            candidate.account_number == line.account_number
            and candidate.auxiliary_number == line.auxiliary_number
            and candidate.debit_minor == line.credit_minor
            and candidate.credit_minor == line.debit_minor
        ):
            candidates.remove(candidate)
            return candidate
    return None
