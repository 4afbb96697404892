"""The chart of accounts (plan comptable général) and the journals Comptoir posts to.

Labels are the PCG's own words: they are the books' data (they end in the FEC, which the
administration reads in French), not screen texts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.ledger.models import Account, Journal, LedgerSettings
from comptoir.kit import clock
from comptoir.kit.db.dialect import insert_ignoring_conflicts

CUSTOMERS: Final = "411000"
SUPPLIERS: Final = "401000"
PROFIT: Final = "120000"
LOSS: Final = "129000"
OPENING_BALANCE: Final = "890000"
GUEST_AUXILIARY: Final = "CDIVERS"

SETTINGS_ID: Final = uuid.UUID("00000000-0000-7000-8000-00000000c0de")
"""The one ledger settings row has a fixed id, so concurrent seeding inserts it once."""

# (number, label, kind, is_control)
ACCOUNTS: Final[tuple[tuple[str, str, str, bool], ...]] = (
    ("101300", "Capital souscrit appelé versé", "equity", False),
    ("120000", "Résultat de l'exercice (bénéfice)", "equity", False),
    ("129000", "Résultat de l'exercice (perte)", "equity", False),
    ("401000", "Fournisseurs", "liability", True),
    ("411000", "Clients", "asset", True),
    ("419100", "Clients - Avances et acomptes reçus sur commandes", "liability", False),
    ("445200", "TVA due intracommunautaire", "liability", False),
    ("445660", "TVA déductible sur autres biens et services", "asset", False),
    ("445662", "TVA déductible intracommunautaire", "asset", False),
    ("445711", "TVA collectée 20 %", "liability", False),
    ("445712", "TVA collectée 10 %", "liability", False),
    ("445713", "TVA collectée 5,5 %", "liability", False),
    ("445714", "TVA collectée 2,1 %", "liability", False),
    ("445719", "TVA collectée OSS (autres États membres)", "liability", False),
    ("467000", "Autres comptes débiteurs ou créditeurs", "asset", False),
    ("511200", "Virements à encaisser", "asset", False),
    ("511500", "Cartes bancaires à encaisser", "asset", False),
    ("511510", "Paiements Stripe à encaisser", "asset", False),
    ("512000", "Banque", "asset", False),
    ("530000", "Caisse", "asset", False),
    ("580000", "Virements internes", "asset", False),
    ("607000", "Achats de marchandises", "expense", False),
    ("627000", "Services bancaires et assimilés", "expense", False),
    ("658000", "Charges diverses de gestion courante", "expense", False),
    ("665000", "Escomptes accordés", "expense", False),
    ("666000", "Pertes de change financières", "expense", False),
    ("706000", "Prestations de services", "income", False),
    ("707000", "Ventes de marchandises", "income", False),
    ("707100", "Ventes de marchandises UE (OSS)", "income", False),
    ("707200", "Livraisons intracommunautaires", "income", False),
    ("707300", "Ventes à l'exportation", "income", False),
    ("708500", "Ports et frais accessoires facturés", "income", False),
    ("708800", "Autres produits d'activités annexes", "income", False),
    ("758000", "Produits divers de gestion courante", "income", False),
    ("765000", "Escomptes obtenus", "income", False),
    ("766000", "Gains de change financiers", "income", False),
    ("890000", "Bilan d'ouverture", "off_balance", False),
)

# (code, label, kind, treasury account)
JOURNALS: Final[tuple[tuple[str, str, str, str | None], ...]] = (
    ("VE", "Ventes", "sales", None),
    ("AC", "Achats", "purchases", None),
    ("BQ", "Banque", "bank", "512000"),
    ("CA", "Caisse", "cash", "530000"),
    ("OD", "Opérations diverses", "miscellaneous", None),
    ("AN", "À-nouveaux", "opening", None),
)

KIND_BY_CLASS: Final = {
    "1": "equity",
    "2": "asset",
    "3": "asset",
    "4": "asset",
    "5": "asset",
    "6": "expense",
    "7": "income",
    "8": "off_balance",
}


def ensure_chart(session: Session) -> None:
    """Seed the standard accounts, journals and the settings row; idempotent and safe when
    run concurrently (rows that exist are left as they are, even if renamed since)."""
    stamps = _stamps()
    insert_ignoring_conflicts(
        session,
        Account.__table__,  # type: ignore[arg-type]
        [
            {
                "id": uuid.uuid4(),
                "number": number,
                "label": label,
                "kind": kind,
                "is_control": is_control,
                "is_active": True,
                **stamps,
            }
            for number, label, kind, is_control in ACCOUNTS
        ],
        ["number"],
    )
    insert_ignoring_conflicts(
        session,
        Journal.__table__,  # type: ignore[arg-type]
        [
            {
                "id": uuid.uuid4(),
                "code": code,
                "label": label,
                "kind": kind,
                "account_number": account,
                **stamps,
            }
            for code, label, kind, account in JOURNALS
        ],
        ["code"],
    )
    insert_ignoring_conflicts(
        session,
        LedgerSettings.__table__,  # type: ignore[arg-type]
        [{"id": SETTINGS_ID, "lettering_counter": 0, **stamps}],
        ["id"],
    )


def ledger_settings(session: Session) -> LedgerSettings:
    """The settings row (seeded on first use)."""
    found = session.get(LedgerSettings, SETTINGS_ID)
    if found is None:
        ensure_chart(session)
        found = session.get(LedgerSettings, SETTINGS_ID)
    assert found is not None
    return found


def is_chart_seeded(session: Session) -> bool:
    return session.scalar(select(Journal.id).where(Journal.code == "AN")) is not None


def _stamps() -> dict[str, datetime]:
    now = clock.now()
    return {"created_at": now, "updated_at": now}
