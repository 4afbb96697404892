"""Locations and reorder parameters."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from comptoir.inventory import service
from comptoir.inventory.schemas import LocationCreate, ReorderParametersUpdate
from comptoir.kit.errors import Conflict, InvalidInput
from tests.inventory.factories import make_location


def test_a_store_keeps_its_address_opening_hours_and_click_and_collect(session: Session) -> None:
    store = service.create_location(
        session,
        LocationCreate(
            code="ST-LILLE",
            name="Boutique Lille",
            kind="store",
            city="Lille",
            country="FR",
            opening_hours={"sat": [{"opens": "10:00", "closes": "19:00"}]},
            click_and_collect=True,
        ),
    )
    assert (store.kind, store.city, store.click_and_collect) == ("store", "Lille", True)
    assert store.opening_hours == {"sat": [{"opens": "10:00", "closes": "19:00"}]}


def test_a_location_code_is_unique(session: Session) -> None:
    make_location(session, code="WH-1")
    with pytest.raises(Conflict) as refused:
        make_location(session, code="WH-1")
    assert refused.value.field == "code"
    assert [loc.code for loc in service.list_locations(session)] == ["WH-1"]


def test_an_external_kind_belongs_to_external_locations_only(session: Session) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_location(session, kind="warehouse", external_kind="3pl")
    assert refused.value.field == "external_kind"
    external = make_location(session, kind="external", external_kind="marketplace")
    assert external.external_kind == "marketplace"


def test_reorder_parameters_are_created_then_replaced(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    supplier = uuid.uuid4()
    service.set_reorder_parameters(
        session,
        variant_id=variant_id,
        location_id=location_id,
        data=ReorderParametersUpdate(minimum=5, maximum=20, lead_time_days=7),
    )
    params = service.set_reorder_parameters(
        session,
        variant_id=variant_id,
        location_id=location_id,
        data=ReorderParametersUpdate(
            minimum=8, maximum=30, lead_time_days=10, preferred_supplier_id=supplier
        ),
    )
    assert (params.minimum, params.maximum, params.lead_time_days) == (8, 30, 10)
    assert params.preferred_supplier_id == supplier
    assert len(service.list_reorder_parameters(session, variant_id=variant_id)) == 1


def test_a_maximum_below_the_minimum_is_refused(
    session: Session, variant_id: uuid.UUID, location_id: uuid.UUID
) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.set_reorder_parameters(
            session,
            variant_id=variant_id,
            location_id=location_id,
            data=ReorderParametersUpdate(minimum=10, maximum=5, lead_time_days=3),
        )
    assert refused.value.field == "maximum"
    assert service.get_reorder_parameters(session, variant_id, location_id) is None
