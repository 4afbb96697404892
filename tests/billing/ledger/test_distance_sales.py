"""The EU one-stop-shop threshold computed from the invoices: distance sales of goods to
consumers in other EU countries, against EUR 10,000, and whether the shop's setting agrees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.billing.invoices import service
from comptoir.billing.invoices.schemas import InvoiceLineIn
from comptoir.billing.ledger.distance_sales import distance_sales
from comptoir.kit.clock import FrozenClock
from comptoir.kit.db.engine import Database
from comptoir.kit.ids import uuid7
from tests.billing.invoices.factories import b2b_draft, make_seller


def _sold(session: Session, *, country: str, business: bool, goods: int, services: int = 0) -> None:
    lines = [InvoiceLineIn(title="Lampe", quantity=Decimal(1), unit_price_excl_minor=goods,
                           vat_rate=Decimal(20))]  # fmt: skip
    if services:
        lines.append(
            InvoiceLineIn(kind="service", title="Montage", quantity=Decimal(1),
                          unit_price_excl_minor=services, vat_rate=Decimal(20))
        )  # fmt: skip
    draft = b2b_draft(
        buyer_country=country, buyer_is_business=business, buyer_siren=None,
        buyer_vat_number=None, lines=lines,
    )  # fmt: skip
    invoice = service.issue(session, service.create_draft(session, draft).id, actor=None)
    session.info["last"] = invoice.id


def test_only_goods_sent_to_consumers_in_other_eu_countries_count(
    session: Session, clock: FrozenClock
) -> None:
    make_seller(session)
    _sold(session, country="DE", business=False, goods=600_000, services=100_000)
    _sold(session, country="FR", business=False, goods=2_000_000)
    _sold(session, country="IT", business=True, goods=900_000)
    _sold(session, country="US", business=False, goods=900_000)

    under = distance_sales(session, clock.now().date())

    assert (under.year, under.current_minor, under.previous_minor) == (2026, 600_000, 0)
    assert not under.exceeded
    assert under.agrees

    _sold(session, country="ES", business=False, goods=500_000)
    over = distance_sales(session, clock.now().date())
    assert over.current_minor == 1_100_000
    assert over.exceeded

    # a credit note takes its part back
    service.credit_amount(
        session, session.info["last"], amount_minor=240_000, reason="Geste",
        source_type="manual", source_id=uuid7(),
    )  # fmt: skip
    assert distance_sales(session, clock.now().date()).current_minor == 900_000


def test_the_vat_page_warns_when_the_setting_disagrees_with_the_figures(
    client: TestClient, db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.transaction() as session:
        make_seller(session)
        _sold(session, country="BE", business=False, goods=1_200_000)
    monkeypatch.setenv("COMPTOIR_OSS_THRESHOLD_EXCEEDED", "false")

    page = client.get("/admin/billing/reports?report=vat&date_from=2026-01-01&date_to=2026-12-31")

    assert page.status_code == 200
    section = page.text.split('id="distance-sales"', 1)[1].split("</section>", 1)[0]
    assert "12\u202f000,00\u00a0€" in section
    assert "Le seuil est dépassé" in section
    monkeypatch.setenv("COMPTOIR_OSS_THRESHOLD_EXCEEDED", "true")
    agreed = client.get("/admin/billing/reports?report=vat&date_from=2026-01-01&date_to=2026-12-31")
    assert "Le seuil est dépassé" not in agreed.text
