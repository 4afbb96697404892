"""The matching engine: which bank line pays what, and how sure we are.

Pure: it takes bank lines and candidates (open invoices, expected card payouts, open
supplier bills) as plain records and returns proposals; the service feeds it from the
database and applies what it decides. Each rule adds points to a (line, target) pair and
says why (a :class:`Reason`); the confidence is the sum, capped at 0.99:

====================================  ======  ==========================================
rule                                  points  when
====================================  ======  ==========================================
invoice number in reference / label   0.60    ``FA-2026-000045`` (spaces, dashes ignored)
order number in reference / label     0.50    ``WEB-2026-000123``
number one typing slip away           0.35    one digit changed, dropped or swapped
amount equals what remains due        0.30    (0.10 when the line pays part of it)
counterpart name like the buyer's     0.20    (0.10 when only similar)
counterpart IBAN already seen         0.25    on a line matched to the same party
date near the due date                0.05    between issue and 60 days after due
card payout: net within the fees      0.45    gross - fees ≤ credit ≤ gross
card payout: exactly the usual fees   0.20    credit = gross - expected fees
card payout: wording of the acquirer  0.20    ``CB``, ``CARTE``, ``STRIPE``...
card payout: days after the sales     0.15    1 to 4 days (0.05 up to 7)
bill number in the wording            0.50    the bill or supplier's reference
bank fees by wording                  0.90    ``FRAIS``, ``COMMISSION``, ``COTIS``...
====================================  ======  ==========================================

A line is applied automatically only when its best proposal reaches
:data:`AUTO_THRESHOLD` **and** leads the line's next proposal, and the target's next line,
by :data:`AUTO_MARGIN`: two transfers of the same amount from the same customer stay
suggestions for a person. A target is given to one line at most, and a line to one
proposal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from difflib import SequenceMatcher
from typing import Final, Literal

AUTO_THRESHOLD: Final = 0.85
AUTO_MARGIN: Final = 0.20
SUGGESTION_FLOOR: Final = 0.30
"""Proposals under this are not shown: an amount alone means little."""
MAX_CONFIDENCE: Final = 0.99
MAX_PROPOSALS_PER_LINE: Final = 5
MAX_INVOICES_PER_TRANSFER: Final = 4
EPSILON: Final = 1e-9

FEE_WORDS: Final = re.compile(r"\b(FRAIS|COMMISSIONS?|COTIS\w*|AGIOS|ABONNEMENT)\b")
CARD_WORDS: Final = re.compile(r"\b(CB|CARTES?|STRIPE|REMISE|TPE|PAYOUT|ADYEN|SUMUP)\b")
BANK_FEE_ACCOUNT: Final = "627000"
TITLES: Final = frozenset(
    [
        "M",
        "MR",
        "MME",
        "MLLE",
        "MONSIEUR",
        "MADAME",
        "MADEMOISELLE",
        "OU",
        "ET",
        "EPOUX",
        "SARL",
        "SAS",
        "SASU",
        "SA",
        "EURL",
        "EI",
        "SCI",
        "STE",
        "SOCIETE",
        "CIE",
        "ETS",
    ]
)

TargetType = Literal["invoice", "card_payout", "bill", "bank_fee"]


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What the engine reads of a bank line (``amount_minor`` signed, credit > 0)."""

    key: str
    booking_date: date
    amount_minor: int
    currency: str
    label: str = ""
    reference: str | None = None
    end_to_end_id: str | None = None
    counterpart_name: str | None = None
    counterpart_iban: str | None = None


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An issued invoice with money still due; ``party_key`` names its customer (the
    auxiliary account) and ``known_ibans`` the IBANs this party already paid from."""

    key: str
    number: str
    remaining_minor: int
    currency: str
    buyer_name: str | None = None
    order_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    party_key: str | None = None
    known_ibans: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ExpectedPayout:
    """A day's card sales that the acquirer will pay out net of its fees."""

    key: str
    label: str
    sales_date: date
    gross_minor: int
    currency: str
    expected_fee_minor: int | None = None
    max_fee_minor: int | None = None
    """The largest fee taken as plausible (default: 4 % of the gross)."""


@dataclass(frozen=True, slots=True)
class OpenBill:
    """An approved supplier bill not yet paid."""

    key: str
    number: str
    remaining_minor: int
    currency: str
    supplier_name: str
    supplier_reference: str | None = None
    due_date: date | None = None
    party_key: str | None = None
    known_ibans: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Candidates:
    invoices: Sequence[OpenInvoice] = ()
    payouts: Sequence[ExpectedPayout] = ()
    bills: Sequence[OpenBill] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule added ``points``: ``code`` names the rule, ``detail`` the evidence."""

    code: str
    points: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Allocation:
    """The part of a line that goes to one target (signed like the line)."""

    target_type: TargetType
    target_key: str
    target_label: str
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Proposal:
    line_key: str
    allocations: tuple[Allocation, ...]
    confidence: float
    reasons: tuple[Reason, ...]
    is_automatic: bool = False

    @property
    def score(self) -> float:
        """The uncapped sum of the reasons' points: what ranks two sure proposals."""
        return sum(r.points for r in self.reasons)

    @property
    def target_keys(self) -> frozenset[tuple[str, str]]:
        return frozenset((a.target_type, a.target_key) for a in self.allocations)


@dataclass(slots=True)
class MatchResult:
    """Per line: its proposals, best first; ``chosen`` the one kept (applied when it
    ``is_automatic``, otherwise a suggestion)."""

    proposals: dict[str, list[Proposal]] = field(default_factory=dict)
    chosen: dict[str, Proposal] = field(default_factory=dict)

    def automatic(self) -> list[Proposal]:
        return [p for p in self.chosen.values() if p.is_automatic]


# ---------------------------------------------------------------- text helpers


def fold(text: str | None) -> str:
    """Upper case, accents removed, punctuation as spaces."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", plain).split())


def compact(text: str | None) -> str:
    """Letters and digits only: ``FA-2026-000045`` and ``FA 2026 000045`` read the same."""
    return re.sub(r"[^A-Z0-9]", "", fold(text))


def name_similarity(left: str | None, right: str | None) -> float:
    """0 to 1: the names' words compared in any order, titles and legal forms left out."""
    a = sorted(set(fold(left).split()) - TITLES)
    b = sorted(set(fold(right).split()) - TITLES)
    if not a or not b:
        return 0.0
    common = set(a) & set(b)
    overlap = len(common) / min(len(a), len(b))
    ratio = SequenceMatcher(None, " ".join(a), " ".join(b)).ratio()
    return max(ratio, overlap if len(common) >= min(2, len(a), len(b)) else 0.0)


def one_slip_away(number: str, text: str) -> bool:
    """Whether ``text`` holds ``number`` with one typing slip (a character changed,
    dropped, added, or two neighbours swapped); both compacted."""
    size = len(number)
    if size < 6 or number in text:
        return False
    for width in (size - 1, size, size + 1):
        for start in range(0, max(0, len(text) - width) + 1):
            if _one_edit(number, text[start : start + width]):
                return True
    return False


def _one_edit(a: str, b: str) -> bool:
    if a == b:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _line_text(line: LineFacts) -> str:
    return compact(" ".join(p for p in (line.reference, line.label, line.end_to_end_id) if p))


def _confidence(reasons: Iterable[Reason]) -> float:
    return round(min(MAX_CONFIDENCE, max(0.0, sum(r.points for r in reasons))), 3)


# ---------------------------------------------------------------- rules


def _party_reasons(
    line: LineFacts, name: str | None, ibans: frozenset[str], *, what: str
) -> list[Reason]:
    reasons: list[Reason] = []
    if line.counterpart_iban and line.counterpart_iban in ibans:
        reasons.append(Reason("known_iban", 0.25, what))
    similarity = name_similarity(line.counterpart_name, name)
    if not line.counterpart_name and name:
        # Some banks only write the payer in the wording.
        folded = fold(line.label)
        words = set(fold(name).split()) - TITLES
        if words and all(word in folded.split() for word in words):
            similarity = 0.9
    if similarity >= 0.85:
        reasons.append(Reason("name", 0.20, name or ""))
    elif similarity >= 0.6:
        reasons.append(Reason("name_similar", 0.10, name or ""))
    return reasons


def _due_reason(line: LineFacts, issued: date | None, due: date | None) -> list[Reason]:
    if issued is None and due is not None:
        issued = date.fromordinal(due.toordinal() - 90)
    start = issued or due
    end = due or issued
    if start is None or end is None:
        return []
    if start.toordinal() - 3 <= line.booking_date.toordinal() <= end.toordinal() + 60:
        return [Reason("date", 0.05, end.isoformat())]
    if line.booking_date < start:
        return [Reason("paid_before_issue", -0.30, start.isoformat())]
    return []


def _amount_reason(line_amount: int, remaining: int, *, code: str) -> list[Reason]:
    if line_amount == remaining:
        return [Reason(code, 0.30, str(remaining))]
    if 0 < line_amount < remaining:
        return [Reason(f"{code}_part", 0.10, str(remaining))]
    return []


def _number_reason(text: str, number: str, code: str, points: float) -> list[Reason]:
    wanted = compact(number)
    if not wanted:
        return []
    if wanted in text:
        return [Reason(code, points, number)]
    if one_slip_away(wanted, text):
        return [Reason(f"{code}_close", 0.35, number)]
    return []


def score_invoice(line: LineFacts, invoice: OpenInvoice, text: str) -> Proposal | None:
    """The proposal of ``line`` paying ``invoice``, or ``None`` when nothing links them."""
    if line.amount_minor <= 0 or line.currency != invoice.currency:
        return None
    reasons = _number_reason(text, invoice.number, "invoice_number", 0.60)
    if not reasons and invoice.order_number:
        reasons = _number_reason(text, invoice.order_number, "order_number", 0.50)
    reasons += _amount_reason(line.amount_minor, invoice.remaining_minor, code="amount")
    reasons += _party_reasons(line, invoice.buyer_name, invoice.known_ibans, what=invoice.number)
    linked = any(r.code != "amount" for r in reasons)
    if not linked:
        return None
    reasons += _due_reason(line, invoice.issue_date, invoice.due_date)
    amount = min(line.amount_minor, invoice.remaining_minor)
    return Proposal(
        line_key=line.key,
        allocations=(Allocation("invoice", invoice.key, invoice.number, amount),),
        confidence=_confidence(reasons),
        reasons=tuple(reasons),
    )


def score_invoice_group(
    line: LineFacts, invoices: Sequence[OpenInvoice], text: str
) -> Proposal | None:
    """One transfer paying several invoices whose numbers it cites, in full."""
    cited = [inv for inv in invoices if compact(inv.number) and compact(inv.number) in text]
    if len(cited) < 2 or len(cited) > MAX_INVOICES_PER_TRANSFER:
        return None
    if sum(inv.remaining_minor for inv in cited) != line.amount_minor:
        return None
    reasons = [Reason("invoice_numbers", 0.60, ", ".join(inv.number for inv in cited))]
    reasons.append(Reason("amount_sum", 0.30, str(line.amount_minor)))
    first = cited[0]
    reasons += _party_reasons(line, first.buyer_name, first.known_ibans, what=first.number)
    reasons += _due_reason(
        line, first.issue_date, max(i.due_date or line.booking_date for i in cited)
    )
    return Proposal(
        line_key=line.key,
        allocations=tuple(
            Allocation("invoice", inv.key, inv.number, inv.remaining_minor) for inv in cited
        ),
        confidence=_confidence(reasons),
        reasons=tuple(reasons),
    )


def _names_the_day(label: str, day: date) -> bool:
    """Whether the acquirer's wording names the day of the sales it pays (``REMISE CB
    09/04``, ``PAYOUT 090426``): what tells apart two payouts of the same amount."""
    forms = (f"{day:%d/%m}", f"{day:%d%m%y}", f"{day:%d.%m}", f"{day:%Y-%m-%d}")
    return any(form in label for form in forms)


def score_payout(line: LineFacts, payout: ExpectedPayout) -> Proposal | None:
    """A credit paying a day's card sales net of the acquirer's fees."""
    if line.amount_minor <= 0 or line.currency != payout.currency:
        return None
    fee = payout.gross_minor - line.amount_minor
    max_fee = payout.max_fee_minor
    if max_fee is None:
        max_fee = payout.gross_minor * 4 // 100
    if not 0 <= fee <= max_fee:
        return None
    reasons = [Reason("payout_net", 0.45, str(fee))]
    if payout.expected_fee_minor is not None and fee == payout.expected_fee_minor:
        reasons.append(Reason("payout_fee", 0.20, str(fee)))
    if CARD_WORDS.search(fold(line.label)):
        reasons.append(Reason("payout_wording", 0.20, payout.label))
    if _names_the_day(line.label, payout.sales_date):
        reasons.append(Reason("payout_sales_day", 0.25, payout.sales_date.isoformat()))
    days = (line.booking_date - payout.sales_date).days
    if 1 <= days <= 4:
        reasons.append(Reason("payout_days", 0.15, str(days)))
    elif 0 <= days <= 7:
        reasons.append(Reason("payout_days", 0.05, str(days)))
    else:
        return None
    return Proposal(
        line_key=line.key,
        allocations=(Allocation("card_payout", payout.key, payout.label, line.amount_minor),),
        confidence=_confidence(reasons),
        reasons=tuple(reasons),
    )


def score_bill(line: LineFacts, bill: OpenBill, text: str) -> Proposal | None:
    """A debit paying a supplier bill."""
    if line.amount_minor >= 0 or line.currency != bill.currency:
        return None
    paid = -line.amount_minor
    reasons = _number_reason(text, bill.number, "bill_number", 0.50)
    if not reasons and bill.supplier_reference:
        reasons = _number_reason(text, bill.supplier_reference, "bill_number", 0.50)
    reasons += _amount_reason(paid, bill.remaining_minor, code="amount")
    reasons += _party_reasons(line, bill.supplier_name, bill.known_ibans, what=bill.number)
    if not any(r.code != "amount" for r in reasons):
        return None
    reasons += _due_reason(line, None, bill.due_date)
    return Proposal(
        line_key=line.key,
        allocations=(Allocation("bill", bill.key, bill.number, -min(paid, bill.remaining_minor)),),
        confidence=_confidence(reasons),
        reasons=tuple(reasons),
    )


def score_bank_fee(line: LineFacts) -> Proposal | None:
    """A debit the bank took for itself, told by its wording."""
    if line.amount_minor >= 0:
        return None
    found = FEE_WORDS.search(fold(line.label))
    if found is None:
        return None
    reasons = [Reason("bank_fee_wording", 0.90, found.group(1))]
    return Proposal(
        line_key=line.key,
        allocations=(
            Allocation("bank_fee", BANK_FEE_ACCOUNT, BANK_FEE_ACCOUNT, line.amount_minor),
        ),
        confidence=_confidence(reasons),
        reasons=tuple(reasons),
    )


def propose(
    line: LineFacts,
    candidates: Candidates,
    *,
    rejected: frozenset[tuple[str, str]] = frozenset(),
) -> list[Proposal]:
    """Every proposal for ``line`` worth showing, best first (``rejected``: targets a
    person already refused for this line)."""
    text = _line_text(line)
    found: list[Proposal | None] = [score_bank_fee(line)]
    if line.amount_minor > 0:
        found += [score_invoice(line, inv, text) for inv in candidates.invoices]
        found.append(score_invoice_group(line, candidates.invoices, text))
        found += [score_payout(line, payout) for payout in candidates.payouts]
    else:
        found += [score_bill(line, bill, text) for bill in candidates.bills]
    kept = [
        p
        for p in found
        if p is not None and p.confidence >= SUGGESTION_FLOOR and not (p.target_keys & rejected)
    ]
    # A number one slip away from the one the line cites is taken for a typo only when it
    # fits the line better than the candidate that carries the cited number itself.
    exact = [p.score for p in kept if _cites_exactly(p)]
    if exact:
        kept = [p for p in kept if not (_cites_nearly(p) and p.score <= max(exact))]
    kept.sort(key=lambda p: (-p.score, -len(p.allocations), p.allocations[0].target_key))
    return kept[:MAX_PROPOSALS_PER_LINE]


def _cites_exactly(proposal: Proposal) -> bool:
    return any(r.code in ("invoice_number", "bill_number") for r in proposal.reasons)


def _cites_nearly(proposal: Proposal) -> bool:
    codes = {r.code for r in proposal.reasons}
    return bool(codes & {"invoice_number_close", "bill_number_close"}) and not (
        codes & {"invoice_number", "bill_number"}
    )


# ---------------------------------------------------------------- assignment


def match(
    lines: Sequence[LineFacts],
    candidates: Candidates,
    *,
    rejected: frozenset[tuple[str, str, str]] = frozenset(),
    threshold: float = AUTO_THRESHOLD,
    margin: float = AUTO_MARGIN,
) -> MatchResult:
    """Proposals for every line and, for each line, the one kept.

    Greedy on confidence: the surest pair is kept first, and its targets are then taken
    for every other line. A kept proposal is automatic when it reaches ``threshold`` and
    leads both the line's next proposal and the best other line for the same targets by
    ``margin``. ``rejected`` holds ``(line key, target type, target key)`` refused by a
    person.
    """
    result = MatchResult()
    for line in lines:
        refused = frozenset((t, k) for lk, t, k in rejected if lk == line.key)
        result.proposals[line.key] = propose(line, candidates, rejected=refused)
    rivals = _best_per_target(result.proposals)
    ranked = sorted(
        (p for proposals in result.proposals.values() for p in proposals),
        key=lambda p: (-p.score, p.line_key),
    )
    taken: set[tuple[str, str]] = set()
    for proposal in ranked:
        if proposal.line_key in result.chosen:
            continue
        exclusive = {k for k in proposal.target_keys if k[0] != "bank_fee"}
        if exclusive & taken:
            continue
        taken |= exclusive
        automatic = proposal.confidence >= threshold - EPSILON and _clearly_ahead(
            proposal, result.proposals[proposal.line_key], rivals, margin
        )
        result.chosen[proposal.line_key] = Proposal(
            line_key=proposal.line_key,
            allocations=proposal.allocations,
            confidence=proposal.confidence,
            reasons=proposal.reasons,
            is_automatic=automatic,
        )
    return result


def _best_per_target(
    proposals: dict[str, list[Proposal]],
) -> dict[tuple[str, str], list[tuple[float, str]]]:
    by_target: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for line_key, items in proposals.items():
        for proposal in items:
            for target in proposal.target_keys:
                by_target.setdefault(target, []).append((proposal.score, line_key))
    for entries in by_target.values():
        entries.sort(reverse=True)
    return by_target


def _clearly_ahead(
    proposal: Proposal,
    line_proposals: list[Proposal],
    rivals: dict[tuple[str, str], list[tuple[float, str]]],
    margin: float,
) -> bool:
    # A proposal for some of the same targets (one of two invoices paid together) agrees
    # with this one rather than competes with it.
    others = [p.score for p in line_proposals if not p.target_keys <= proposal.target_keys]
    if others and proposal.score - max(others) < margin - EPSILON:
        return False
    for target in proposal.target_keys:
        if target[0] == "bank_fee":
            continue
        competing = [c for c, key in rivals.get(target, []) if key != proposal.line_key]
        if competing and proposal.score - max(competing) < margin - EPSILON:
            return False
    return True
