"""The bank's domain errors (mapped once to RFC 9457 problems by the kit)."""

from __future__ import annotations

from comptoir.billing.bank.parsers import StatementRejected
from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.i18n import lazy_gettext as _l

__all__ = [
    "BankAccountNotFound",
    "BankAccountTaken",
    "BankLineNotFound",
    "BankLineNotReconciled",
    "BankLineStateConflict",
    "BankMatchNotFound",
    "BankMatchStateConflict",
    "MatchTargetInvalid",
    "MatchTargetTaken",
    "StatementAlreadyImported",
    "StatementRejected",
    "StatementWrongAccount",
]


class BankAccountNotFound(NotFound):
    slug = "bank-account-not-found"
    title = _l("This bank account does not exist.")


class BankAccountTaken(Conflict):
    slug = "bank-account-taken"
    title = _l("A bank account with this IBAN already exists.")


class StatementWrongAccount(InvalidInput):
    slug = "bank-statement-wrong-account"
    title = _l("The statement is not of this bank account.")


class StatementAlreadyImported(Conflict):
    slug = "bank-statement-already-imported"
    title = _l("This statement file was already imported.")


class BankLineNotFound(NotFound):
    slug = "bank-line-not-found"
    title = _l("This bank statement line does not exist.")


class BankLineStateConflict(Conflict):
    slug = "bank-line-state-conflict"
    title = _l("This bank line is already reconciled or ignored.")


class BankLineNotReconciled(Conflict):
    slug = "bank-line-not-reconciled"
    title = _l("This bank line is not reconciled: there is nothing to undo.")


class BankMatchNotFound(NotFound):
    slug = "bank-match-not-found"
    title = _l("This match proposal does not exist.")


class BankMatchStateConflict(Conflict):
    slug = "bank-match-state-conflict"
    title = _l("This match was already decided.")


class MatchTargetInvalid(InvalidInput):
    slug = "bank-match-target-invalid"
    title = _l("This line cannot be matched with that.")


class MatchTargetTaken(Conflict):
    slug = "bank-match-target-taken"
    title = _l("That is already matched with another bank line.")
