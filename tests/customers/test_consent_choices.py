"""The consent boxes a shopper leaves at sign-up or checkout, recorded on the customer, and
where a customer met on a channel comes from."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.customers import schemas, service
from comptoir.customers.models import ConsentRecord
from comptoir.kit.errors import InvalidInput
from tests.customers.factories import make_customer


def _box(
    channel: schemas.ConsentChannel = "email",
    purpose: schemas.ConsentPurpose = "marketing",
    *,
    version: str = "2026-01",
    granted: bool = True,
) -> schemas.ConsentChoice:
    return schemas.ConsentChoice(
        channel=channel, purpose=purpose, wording_version=version, granted=granted
    )


def _records(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ConsentRecord)) or 0)


def test_only_the_ticked_boxes_are_recorded(session: Session) -> None:
    customer = make_customer(session)

    records = service.record_consent_choices(
        session,
        customer.id,
        [_box(), _box("sms", granted=False), _box("push", "profiling", granted=False)],
        source="web_shop",
        actor="shopper:1",
    )

    assert [(r.channel, r.purpose, r.action, r.source, r.recorded_by) for r in records] == [
        ("email", "marketing", "granted", "web_shop", "shopper:1")
    ]
    assert _records(session) == 1


def test_a_box_unticked_later_withdraws_nothing(session: Session) -> None:
    # given a customer who gave her e-mail marketing consent
    customer = make_customer(session)
    service.record_consent_choices(session, customer.id, [_box()], source="web_shop")

    # when she leaves the box unticked at a later checkout
    service.record_consent_choices(session, customer.id, [_box(granted=False)], source="web_shop")

    # then her consent stands
    assert service.has_consent(session, customer.id, "email", "marketing")
    assert _records(session) == 1


def test_a_box_ticked_again_with_the_same_wording_adds_no_record_but_a_new_wording_does(
    session: Session,
) -> None:
    customer = make_customer(session)
    service.record_consent_choices(session, customer.id, [_box()], source="web_shop")

    again = service.record_consent_choices(session, customer.id, [_box()], source="till")
    reworded = service.record_consent_choices(
        session, customer.id, [_box(version="2026-06")], source="till"
    )

    assert again == []
    assert [r.wording_version for r in reworded] == ["2026-06"]
    assert _records(session) == 2


def test_a_channel_and_purpose_given_twice_is_refused_before_anything_is_recorded(
    session: Session,
) -> None:
    customer = make_customer(session)

    with pytest.raises(InvalidInput) as refused:
        service.record_consent_choices(
            session, customer.id, [_box(), _box("sms"), _box(granted=False)], source="web_shop"
        )

    assert refused.value.field == "consents.2"
    assert _records(session) == 0


@pytest.mark.parametrize(
    ("kind", "source"),
    [("web", "web_shop"), ("app", "web_shop"), ("store", "till"), ("marketplace", "marketplace")],
)
def test_a_channels_kind_gives_the_customers_source(kind: str, source: str) -> None:
    assert service.source_of_channel(kind) == source
