"""The ledger's domain errors, RFC 9457 problems naming the field at fault."""

from __future__ import annotations

from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l


class LedgerError(InvalidInput):
    """An entry or an operation the books refuse (422)."""

    slug = "ledger-refused"
    title = _l("The books refuse this operation.")


class EntryEmpty(LedgerError):
    slug = "ledger-entry-empty"
    title = _l("An entry needs at least two lines.")


class EntryUnbalanced(LedgerError):
    slug = "ledger-entry-unbalanced"
    title = _l("The entry is not balanced: its debits and credits differ.")


class LineAmountInvalid(LedgerError):
    slug = "ledger-line-amount-invalid"
    title = _l("A line carries either a debit or a credit, positive, never both.")


class UnknownAccount(LedgerError):
    slug = "ledger-unknown-account"
    title = _l("This account is not in the chart of accounts or is no longer active.")


class UnknownJournal(LedgerError):
    slug = "ledger-unknown-journal"
    title = _l("This journal does not exist.")


class AuxiliaryRequired(LedgerError):
    slug = "ledger-auxiliary-required"
    title = _l("A line on a customer or supplier control account needs its auxiliary account.")


class UnknownAuxiliary(LedgerError):
    slug = "ledger-unknown-auxiliary"
    title = _l("This auxiliary account does not exist under this control account.")


class PeriodLocked(LedgerError):
    slug = "ledger-period-locked"
    title = _l("The period is locked: nothing can be posted on or before the lock date.")


class FiscalYearClosed(LedgerError):
    slug = "ledger-fiscal-year-closed"
    title = _l("This fiscal year is closed: nothing can be posted in it.")


class LockDateBackwards(LedgerError):
    slug = "ledger-lock-date-backwards"
    title = _l("The lock date only moves forward, and never past today.")


class LetteringRefused(LedgerError):
    slug = "ledger-lettering-refused"
    title = _l(
        "Only unlettered lines of one account and auxiliary account whose debits equal "
        "their credits can be lettered together."
    )


class AccountInvalid(LedgerError):
    slug = "ledger-account-invalid"
    title = _l("An account number has at least six digits and starts with a class from 1 to 8.")


class YearNotClosable(Conflict):
    slug = "ledger-year-not-closable"
    title = _l("This fiscal year cannot be closed now.")


class AccountTaken(Conflict):
    slug = "ledger-account-taken"
    title = _l("This account number already exists.")


class EntryNotFound(NotFound):
    slug = "ledger-entry-not-found"
    title = _l("This entry does not exist.")


class FiscalYearNotFound(NotFound):
    slug = "ledger-fiscal-year-not-found"
    title = _l("There is no fiscal year for this year.")


class AccountNotFound(NotFound):
    slug = "ledger-account-not-found"
    title = _l("This account does not exist.")
