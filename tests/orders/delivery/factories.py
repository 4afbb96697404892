"""Carriers as a French shop has them: Colissimo to the door in France, Mondial Relay to a
pickup point in France and Belgium, DHL to the rest of the EU and the world, and click &
collect in the shop's stores."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from comptoir.orders.delivery import service
from comptoir.orders.delivery.models import Carrier
from comptoir.orders.delivery.schemas import CarrierIn


def make_carrier(session: Session, **kw: Any) -> Carrier:
    values: dict[str, Any] = {
        "code": "colissimo",
        "name": "Colissimo",
        "kind": "home",
        "transit_days": 2,
        "zones": [
            {
                "code": "fr",
                "name": "France",
                "countries": ["FR"],
                "rates": [
                    {"max_weight_grams": 1000, "price_minor": 495},
                    {"max_weight_grams": 5000, "price_minor": 795},
                ],
            }
        ],
    }
    values.update(kw)
    return service.create_carrier(session, CarrierIn.model_validate(values))


def make_carriers(session: Session) -> dict[str, Carrier]:
    return {
        "colissimo": make_carrier(session, free_from_minor=6000),
        "mondial-relay": make_carrier(
            session,
            code="mondial-relay",
            name="Mondial Relay",
            kind="pickup_point",
            transit_days=4,
            zones=[
                {
                    "code": "fr-be",
                    "name": "France, Belgium",
                    "countries": ["FR", "BE"],
                    "rates": [{"max_weight_grams": 5000, "price_minor": 390}],
                }
            ],
        ),
        "dhl": make_carrier(
            session,
            code="dhl",
            name="DHL Express",
            transit_days=3,
            zones=[
                {
                    "code": "eu",
                    "name": "EU",
                    "countries": ["DE", "BE", "IT", "ES"],
                    "rates": [{"max_weight_grams": 5000, "price_minor": 1500}],
                },
                {
                    "code": "world",
                    "name": "World",
                    "countries": ["CH", "US"],
                    "rates": [{"max_weight_grams": 5000, "price_minor": 3600}],
                },
            ],
        ),
        "collect": make_carrier(
            session,
            code="click-collect",
            name="Click & collect",
            kind="click_collect",
            transit_days=0,
            transfer_lead_days=3,
            zones=[
                {
                    "code": "fr",
                    "name": "France",
                    "countries": ["FR"],
                    "rates": [{"max_weight_grams": 30000, "price_minor": 0}],
                }
            ],
        ),
    }
