"""Carriers and delivery options as the APIs and pages show them."""

from __future__ import annotations

from comptoir.kit.money import MoneyOut
from comptoir.orders.delivery.models import Carrier
from comptoir.orders.delivery.schemas import (
    CarrierOut,
    DeliveryOptionOut,
    RateBand,
    ZoneOut,
)
from comptoir.orders.delivery.service import DeliveryOption
from comptoir.orders.schemas import rate_text


def carrier_out(carrier: Carrier) -> CarrierOut:
    return CarrierOut(
        id=carrier.id,
        code=carrier.code,
        name=carrier.name,
        kind=carrier.kind,
        is_active=carrier.is_active,
        transit_days=carrier.transit_days,
        transfer_lead_days=carrier.transfer_lead_days,
        free_from_minor=carrier.free_from_minor,
        zones=[
            ZoneOut(
                id=zone.id,
                code=zone.code,
                name=zone.name,
                countries=list(zone.countries),
                rates=[
                    RateBand(
                        max_weight_grams=rate.max_weight_grams,
                        price_minor=rate.price_minor,
                        currency=rate.currency,
                    )
                    for rate in zone.rates
                ],
            )
            for zone in carrier.zones
        ],
    )


def option_out(option: DeliveryOption) -> DeliveryOptionOut:
    return DeliveryOptionOut(
        id=option.id,
        kind=option.carrier.kind,
        carrier_code=option.carrier.code,
        carrier_name=option.carrier.name,
        location_id=option.location_id,
        location_name=option.location_name,
        needs_pickup_point=option.carrier.kind == "pickup_point",
        price=MoneyOut.from_money(option.fee.incl),
        price_excl_tax=MoneyOut.from_money(option.fee.excl),
        vat_rate=rate_text(option.fee.rate),
        is_free=option.fee.is_free,
        estimated_on=option.estimated_on,
        ships_from=option.ships_from,
    )
