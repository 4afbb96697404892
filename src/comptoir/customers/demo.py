"""BoutiqueNova's customers: a few hundred people across France and its neighbours, some
companies with valid SIRET and VAT numbers, the groups the catalogue's price lists name
(``pro`` for professional prices), and consents given on the web shop and at the tills."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from comptoir.customers import schemas, service
from comptoir.customers.identifiers import french_vat_number, luhn_is_valid
from comptoir.kit import clock
from comptoir.kit.settings import Settings

PEOPLE: Final = 300
COMPANIES: Final = 24
GROUPS: Final = (
    ("pro", "Professionnels", 30),
    ("vip", "Clients VIP", 20),
    ("staff", "Personnel BoutiqueNova", 10),
)
FIRST_NAMES: Final = (
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Zoé",
    "Emma",
    "Alice",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Nathan",
    "Théo",
    "Raphaël",
    "Noé",
    "Élodie",
    "Anaïs",
    "Margaux",
    "Clément",
    "Mathis",
    "Romane",
    "Océane",
    "Maël",
    "Loïc",
    "Hélène",
)
LAST_NAMES: Final = (
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Le Gall",
)
CITIES: Final = (
    ("75011", "Paris", "FR"),
    ("69003", "Lyon", "FR"),
    ("13006", "Marseille", "FR"),
    ("33000", "Bordeaux", "FR"),
    ("31000", "Toulouse", "FR"),
    ("44000", "Nantes", "FR"),
    ("59000", "Lille", "FR"),
    ("67000", "Strasbourg", "FR"),
    ("35000", "Rennes", "FR"),
    ("34000", "Montpellier", "FR"),
    ("45000", "Orléans", "FR"),
    ("06000", "Nice", "FR"),
    ("29200", "Brest", "FR"),
    ("1000", "Bruxelles", "BE"),
    ("1204", "Genève", "CH"),
    ("1511", "Luxembourg", "LU"),
)
STREETS: Final = (
    "rue de la République",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "boulevard Voltaire",
    "rue des Lilas",
    "place du Marché",
    "rue Pasteur",
    "allée des Tilleuls",
    "quai des Chartrons",
    "rue Nationale",
)
TRADES: Final = (
    "Atelier",
    "Boutique",
    "Maison",
    "Comptoir",
    "Galerie",
    "Studio",
    "Librairie",
    "Épicerie",
)


def _siren(rng: random.Random) -> str:
    body = f"{rng.randrange(10**7, 10**8)}"
    prefix = str(rng.randrange(1, 10)) + body[:7]
    return next(prefix + d for d in "0123456789" if luhn_is_valid(prefix + d))


def _siret(siren: str) -> str:
    prefix = siren + "0001"
    return next(prefix + d for d in "0123456789" if luhn_is_valid(prefix + d))


def _phone(rng: random.Random, country: str) -> str:
    if country == "BE":
        return f"+32 47{rng.randrange(0, 10)} {rng.randrange(10, 100)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"  # noqa: E501
    return f"0{rng.choice('67')} {rng.randrange(10, 100)} {rng.randrange(10, 100)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"  # noqa: E501


def _address(rng: random.Random, recipient: str) -> schemas.AddressIn:
    postcode, city, country = rng.choice(CITIES)
    return schemas.AddressIn(
        recipient=recipient,
        line1=f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
        postcode=postcode,
        city=city,
        country=country,
        is_default_shipping=True,
        is_default_billing=True,
    )


def _email(first: str, last: str, n: int) -> str:
    local = f"{first}.{last}".lower().replace(" ", "")
    plain = local.translate(str.maketrans("éèêëïîôöàâçü", "eeeeiiooaacu"))
    return f"{plain}{n}@example.fr"


def _groups(session: Session) -> None:
    existing = {group.code for group in service.list_groups(session)}
    for code, name, priority in GROUPS:
        if code not in existing:
            service.create_group(session, schemas.GroupIn(code=code, name=name, priority=priority))


def seed_customers(session: Session, settings: Settings) -> str:
    """Groups, people, companies and consents. Idempotent: does nothing once the groups and a
    first demo customer exist."""
    if service.find_by_email(session, _email("Camille", "Martin", 0)) is not None:
        return "Customers: already seeded."
    _groups(session)
    rng = random.Random(2026)
    now = clock.now()
    for n in range(PEOPLE):
        first = FIRST_NAMES[n % len(FIRST_NAMES)] if n else "Camille"
        last = LAST_NAMES[(n * 7) % len(LAST_NAMES)] if n else "Martin"
        name = f"{first} {last}"
        address = _address(rng, name)
        groups = ["vip"] if n % 17 == 3 else ["staff"] if n % 41 == 5 else []
        customer = service.create_customer(
            session,
            schemas.CustomerCreate(
                first_name=first,
                last_name=last,
                email=_email(first, last, n),
                phone=_phone(rng, address.country) if n % 3 else None,
                language="en" if n % 11 == 0 else "fr",
                groups=groups,
                addresses=[address],
                source=rng.choice(("web_shop", "web_shop", "till", "marketplace")),
            ),
        )
        _consents(session, rng, customer.id, now - timedelta(days=rng.randrange(1, 700)))
    for n in range(COMPANIES):
        siren = _siren(rng)
        trade = f"{TRADES[n % len(TRADES)]} {LAST_NAMES[(n * 3) % len(LAST_NAMES)]}"
        contact_first, contact_last = FIRST_NAMES[(n * 5) % 30], LAST_NAMES[(n * 11) % 30]
        service.create_customer(
            session,
            schemas.CustomerCreate(
                kind="company",
                company_name=trade,
                first_name=contact_first,
                last_name=contact_last,
                email=f"contact{n}@{trade.lower().replace(' ', '-')}.example.fr",
                phone=_phone(rng, "FR"),
                siren=siren,
                siret=_siret(siren),
                vat_number=french_vat_number(siren),
                groups=["pro"],
                addresses=[_address(rng, trade)],
                source="back_office",
            ),
        )
    return f"Customers: {PEOPLE} people, {COMPANIES} companies, {len(GROUPS)} groups."


def _consents(session: Session, rng: random.Random, customer_id: uuid.UUID, when: datetime) -> None:
    if rng.random() < 0.55:
        service.record_consent(
            session,
            customer_id,
            channel="email",
            purpose="marketing",
            wording_version="2025-03",
            source="web_shop",
            actor="demo",
            occurred_at=when,
        )
        if rng.random() < 0.2:
            service.withdraw_consent(
                session,
                customer_id,
                channel="email",
                purpose="marketing",
                source="web_shop",
                actor="demo",
                occurred_at=when + timedelta(days=rng.randrange(1, 90)),
            )
    if rng.random() < 0.25:
        service.record_consent(
            session,
            customer_id,
            channel="sms",
            purpose="marketing",
            wording_version="2025-03",
            source="till",
            actor="demo",
            occurred_at=when,
        )
