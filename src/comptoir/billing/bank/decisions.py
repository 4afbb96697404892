"""Reconciliation runs and a person's decisions on a statement line: match the open lines
(applying the sure matches, storing the other proposals), confirm or reject a proposal,
match by hand, set a line aside."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from comptoir.billing.bank import matching, reconcile
from comptoir.billing.bank.errors import (
    BankAccountNotFound,
    BankLineNotFound,
    BankLineNotReconciled,
    BankLineStateConflict,
    BankMatchNotFound,
    BankMatchStateConflict,
    MatchTargetInvalid,
    MatchTargetTaken,
)
from comptoir.billing.bank.models import APPLIED_STATUSES, BankAccount, BankLine, BankMatch
from comptoir.kit import clock
from comptoir.kit.errors import DomainError
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.ids import uuid7

logger = logging.getLogger("comptoir.billing.bank")

OPEN_STATUSES: Final = ("unmatched", "suggested")


def get_account(session: Session, account_id: uuid.UUID) -> BankAccount:
    """The bank account; raises :class:`BankAccountNotFound`."""
    account = session.get(BankAccount, account_id)
    if account is None:
        raise BankAccountNotFound()
    return account


# ---------------------------------------------------------------- reconciliation


@dataclass(frozen=True, slots=True)
class ReconcileSummary:
    matched: int
    suggested: int
    unmatched: int


def _facts(line: BankLine) -> matching.LineFacts:
    return matching.LineFacts(
        key=str(line.id),
        booking_date=line.booking_date,
        amount_minor=line.amount_minor,
        currency=line.currency,
        label=line.label,
        reference=line.reference,
        end_to_end_id=line.end_to_end_id,
        counterpart_name=line.counterpart_name,
        counterpart_iban=line.counterpart_iban,
    )


def _open_lines(session: Session, account_id: uuid.UUID) -> list[BankLine]:
    return list(
        session.scalars(
            select(BankLine)
            .where(BankLine.account_id == account_id, BankLine.status.in_(OPEN_STATUSES))
            .order_by(BankLine.booking_date, BankLine.position, BankLine.id)
        )
    )


def _rejected(session: Session, line_ids: list[uuid.UUID]) -> frozenset[tuple[str, str, str]]:
    rows = session.execute(
        select(BankMatch.line_id, BankMatch.target_type, BankMatch.target_key).where(
            BankMatch.line_id.in_(line_ids), BankMatch.status == "rejected"
        )
    ).all()
    return frozenset((str(line_id), kind, key) for line_id, kind, key in rows)


def reconcile_account(
    session: Session, account_id: uuid.UUID, *, actor: str | None = None
) -> ReconcileSummary:
    """Match the account's open lines against the books: sure matches are applied
    (``auto``), the rest are stored as proposals (the line turns ``suggested``) or left
    ``unmatched``. Proposals of an earlier run are replaced; rejected ones stay rejected."""
    account = get_account(session, account_id)
    lines = _open_lines(session, account.id)
    if not lines:
        return ReconcileSummary(0, 0, 0)
    ids = [line.id for line in lines]
    for stale in session.scalars(
        select(BankMatch).where(BankMatch.line_id.in_(ids), BankMatch.status == "proposed")
    ):
        session.delete(stale)
    session.flush()
    books = reconcile.gather(session, account.currency)
    result = matching.match(
        [_facts(line) for line in lines], books.candidates, rejected=_rejected(session, ids)
    )
    matched = suggested = 0
    for line in lines:
        chosen = result.chosen.get(str(line.id))
        if (
            chosen is not None
            and chosen.is_automatic
            and _apply(session, account, line, chosen, books, status="auto", actor=actor)
        ):
            matched += 1
            continue
        proposals = result.proposals.get(str(line.id), [])
        for proposal in proposals[:3]:
            _record(session, line, proposal, books, status="proposed")
        line.status = "suggested" if proposals else "unmatched"
        suggested += bool(proposals)
    session.flush()
    return ReconcileSummary(matched, suggested, len(lines) - matched - suggested)


def _record(
    session: Session,
    line: BankLine,
    proposal: matching.Proposal,
    books: reconcile.Books,
    *,
    status: str,
    actor: str | None = None,
) -> list[BankMatch]:
    reasons = [{"code": r.code, "points": r.points, "detail": r.detail} for r in proposal.reasons]
    made = []
    proposal_id = uuid7()
    for allocation in proposal.allocations:
        match = BankMatch(
            line_id=line.id,
            proposal_id=proposal_id,
            target_type=allocation.target_type,
            target_key=allocation.target_key,
            target_label=allocation.target_label[:200],
            party_key=books.parties.get((allocation.target_type, allocation.target_key)),
            amount_minor=allocation.amount_minor,
            confidence=Decimal(str(proposal.confidence)),
            reasons=reasons,
            status=status,
            decided_by=actor if status != "proposed" else None,
            decided_at=clock.now() if status != "proposed" else None,
        )
        session.add(match)
        made.append(match)
    return made


def _apply(
    session: Session,
    account: BankAccount,
    line: BankLine,
    proposal: matching.Proposal,
    books: reconcile.Books,
    *,
    status: str,
    actor: str | None,
) -> bool:
    """Book the proposal in a savepoint; a refusal by the books (a locked period...) leaves
    the line for a person, with the reason in its note, and returns False."""
    try:
        with session.begin_nested():
            made = _record(session, line, proposal, books, status=status, actor=actor)
            session.flush()
            for match, allocation in zip(made, proposal.allocations, strict=True):
                match.lettering = reconcile.apply_allocation(session, account, line, allocation)
            line.status = "matched"
            line.note = None
            session.flush()
    except DomainError as error:
        logger.info("bank line %s not applied: %s", line.id, error)
        line.note = str(error)[:500]
        return False
    except IntegrityError:
        # Another line took the same target meanwhile.
        return False
    return True


# ---------------------------------------------------------------- decisions


def get_line(session: Session, line_id: uuid.UUID) -> BankLine:
    line = session.get(BankLine, line_id)
    if line is None:
        raise BankLineNotFound()
    return line


def _open_line(session: Session, line_id: uuid.UUID) -> BankLine:
    line = get_line(session, line_id)
    if line.status not in OPEN_STATUSES:
        raise BankLineStateConflict(field="line_id")
    return line


def line_matches(session: Session, line_id: uuid.UUID) -> list[BankMatch]:
    """The line's matches, surest first (applied, proposed and rejected)."""
    return list(
        session.scalars(
            select(BankMatch)
            .where(BankMatch.line_id == line_id)
            .order_by(BankMatch.confidence.desc(), BankMatch.proposal_id, BankMatch.id)
        )
    )


def _proposal_rows(session: Session, match_id: uuid.UUID) -> list[BankMatch]:
    match = session.get(BankMatch, match_id)
    if match is None:
        raise BankMatchNotFound()
    if match.status != "proposed":
        raise BankMatchStateConflict()
    return list(
        session.scalars(
            select(BankMatch)
            .where(BankMatch.proposal_id == match.proposal_id)
            .order_by(BankMatch.id)
        )
    )


def confirm_match(session: Session, match_id: uuid.UUID, *, actor: str | None) -> BankLine:
    """Apply a proposal as a person decided (``confirmed``): the invoice is settled, the
    payout or the fee posted, the bill paid. Raises :class:`BankMatchStateConflict` when it
    was already decided, :class:`MatchTargetTaken` when its target went to another line,
    and the books' own problem when they refuse (a locked period)."""
    rows = _proposal_rows(session, match_id)
    line = _open_line(session, rows[0].line_id)
    proposal = matching.Proposal(
        line_key=str(line.id),
        allocations=tuple(
            matching.Allocation(
                row.target_type,  # type: ignore[arg-type]
                row.target_key,
                row.target_label,
                row.amount_minor,
            )
            for row in rows
        ),
        confidence=float(rows[0].confidence),
        reasons=tuple(
            matching.Reason(str(r["code"]), float(r["points"]), str(r.get("detail", "")))
            for r in rows[0].reasons
        ),
    )
    _decide(session, line, proposal, actor=actor)
    return line


def _decide(
    session: Session, line: BankLine, proposal: matching.Proposal, *, actor: str | None
) -> None:
    account = get_account(session, line.account_id)
    books = reconcile.gather(session, line.currency)
    for allocation in proposal.allocations:
        _check_target_free(session, allocation)
    for pending in session.scalars(
        select(BankMatch).where(BankMatch.line_id == line.id, BankMatch.status == "proposed")
    ):
        session.delete(pending)
    session.flush()
    made = _record(session, line, proposal, books, status="confirmed", actor=actor)
    session.flush()
    for match, allocation in zip(made, proposal.allocations, strict=True):
        match.lettering = reconcile.apply_allocation(session, account, line, allocation)
    line.status = "matched"
    line.note = None
    session.flush()


def _check_target_free(session: Session, allocation: matching.Allocation) -> None:
    if allocation.target_type == "bank_fee":
        return
    taken = session.scalar(
        select(BankMatch.id).where(
            BankMatch.target_type == allocation.target_type,
            BankMatch.target_key == allocation.target_key,
            BankMatch.status.in_(APPLIED_STATUSES),
        )
    )
    if taken is not None:
        raise MatchTargetTaken(field="target")


def reject_match(session: Session, match_id: uuid.UUID, *, actor: str | None) -> BankLine:
    """Refuse a proposal: it is kept as ``rejected`` and never proposed again for this
    line; the line becomes ``unmatched`` when no proposal is left."""
    rows = _proposal_rows(session, match_id)
    line = _open_line(session, rows[0].line_id)
    for row in rows:
        row.status = "rejected"
        row.decided_by = actor
        row.decided_at = clock.now()
    session.flush()
    left = session.scalar(
        select(func.count())
        .select_from(BankMatch)
        .where(BankMatch.line_id == line.id, BankMatch.status == "proposed")
    )
    line.status = "suggested" if left else "unmatched"
    session.flush()
    return line


def ignore_line(
    session: Session, line_id: uuid.UUID, *, note: str | None, actor: str | None
) -> BankLine:
    """Leave a line out of the reconciliation (an internal transfer booked elsewhere...)."""
    line = _open_line(session, line_id)
    for pending in session.scalars(
        select(BankMatch).where(BankMatch.line_id == line.id, BankMatch.status == "proposed")
    ):
        session.delete(pending)
    line.status = "ignored"
    line.note = (note or "").strip()[:500] or None
    session.flush()
    logger.info("bank line %s ignored by %s", line.id, actor)
    return line


def reopen_line(session: Session, line_id: uuid.UUID, *, actor: str | None) -> BankLine:
    """Put a matched or set-aside line back to reconcile, for a match made by mistake.

    What the match booked is taken back (see :func:`reconcile.undo_allocation`: the invoice
    or bill is owed again, payout and fee entries are reversed, nothing is deleted from the
    books) and the match is kept as ``rejected``, so that it is never proposed again for this
    line. Raises :class:`BankLineNotFound`, :class:`BankLineNotReconciled` (a line still open)
    and what the books raise (nothing is changed then)."""
    line = get_line(session, line_id)
    if line.status in OPEN_STATUSES:
        raise BankLineNotReconciled(field="line_id")
    with session.begin_nested():
        for match in session.scalars(
            select(BankMatch).where(
                BankMatch.line_id == line.id, BankMatch.status.in_(APPLIED_STATUSES)
            )
        ):
            reconcile.undo_allocation(session, line, match, actor=actor)
            match.status = "rejected"
            match.lettering = None
            match.decided_by = actor
            match.decided_at = clock.now()
        line.status = "unmatched"
        line.note = None
        session.flush()
    logger.info("bank line %s reopened by %s", line.id, actor)
    return line


@dataclass(frozen=True, slots=True)
class TargetOption:
    """Something a line may be matched with by hand."""

    target_type: str
    target_key: str
    label: str
    detail: str
    amount_minor: int


def _options(books: reconcile.Books, line: BankLine) -> list[TargetOption]:
    found = [
        TargetOption("invoice", inv.key, inv.number, inv.buyer_name or "", inv.remaining_minor)
        for inv in books.candidates.invoices
    ]
    found += [
        TargetOption("card_payout", p.key, p.label, "", p.gross_minor)
        for p in books.candidates.payouts
    ]
    found += [
        TargetOption("bill", b.key, b.number, b.supplier_name, -b.remaining_minor)
        for b in books.candidates.bills
    ]
    if line.amount_minor < 0:
        found.append(
            TargetOption("bank_fee", matching.BANK_FEE_ACCOUNT, matching.BANK_FEE_ACCOUNT, "", 0)
        )
    return found


def search_targets(
    session: Session, line_id: uuid.UUID, query: str | None = None, *, limit: int = 20
) -> list[TargetOption]:
    """What the line may be matched with by hand: open invoices, card payouts waiting, open
    bills, bank fees; those of the line's direction first, filtered by ``query`` (a number,
    a name, an amount)."""
    line = get_line(session, line_id)
    options = _options(reconcile.gather(session, line.currency), line)
    wanted = matching.fold(query)
    if wanted:
        options = [
            o
            for o in options
            if wanted in matching.fold(f"{o.label} {o.detail} {o.target_key}")
            or wanted.replace(" ", "")
            in (str(abs(o.amount_minor)), f"{abs(o.amount_minor) / 100:.2f}".replace(".", ""))
        ]
    same_side = [o for o in options if (o.amount_minor >= 0) == (line.amount_minor > 0)]
    same_side.sort(key=lambda o: (abs(abs(o.amount_minor) - abs(line.amount_minor)), o.label))
    return same_side[:limit]


def manual_match(
    session: Session,
    line_id: uuid.UUID,
    *,
    target_type: str,
    target_key: str,
    actor: str | None,
) -> BankLine:
    """Match a line by hand with an open target (the whole line; an invoice or bill is
    settled for what the line pays, at most what remains due). Raises
    :class:`MatchTargetInvalid` when the target is not open or cannot take this line."""
    line = _open_line(session, line_id)
    books = reconcile.gather(session, line.currency)
    option = next(
        (
            o
            for o in _options(books, line)
            if o.target_type == target_type and o.target_key == target_key
        ),
        None,
    )
    if option is None or (
        option.amount_minor != 0 and (option.amount_minor > 0) != (line.amount_minor > 0)
    ):
        raise MatchTargetInvalid(field="target_key")
    amount = line.amount_minor
    if target_type in ("invoice", "bill"):
        amount = min(abs(line.amount_minor), abs(option.amount_minor)) * (
            1 if line.amount_minor > 0 else -1
        )
    if target_type == "card_payout" and not option.amount_minor - line.amount_minor >= 0:
        raise MatchTargetInvalid(
            _l("The payout is more than the day's card takings."), field="target_key"
        )
    proposal = matching.Proposal(
        line_key=str(line.id),
        allocations=(
            matching.Allocation(target_type, target_key, option.label, amount),  # type: ignore[arg-type]
        ),
        confidence=1.0,
        reasons=(matching.Reason("manual", 1.0, actor or ""),),
    )
    _decide(session, line, proposal, actor=actor)
    return line
