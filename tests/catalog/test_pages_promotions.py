"""The promotion screens over HTTP: list with statuses, create, edit, end, coupons."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog.models import Coupon, Promotion
from comptoir.kit.clock import FrozenClock
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import (
    make_category,
    make_channel,
    make_coupon,
    make_product,
    make_promotion,
)

PROMOTIONS = "/admin/catalog/promotions"


def _token(client: TestClient) -> str:
    return csrf_token_of(client.get(f"{PROMOTIONS}/new").text)


def _count(session: Session, model: type[Promotion] | type[Coupon]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_an_empty_list_explains_and_offers_to_create(client: TestClient) -> None:
    html = client.get(PROMOTIONS).text

    assert "<h3>Aucune promotion pour l\u2019instant</h3>" in html
    assert f'href="{PROMOTIONS}/new"' in html


def test_the_list_shows_each_status_and_filters_by_it(
    client: TestClient, session: Session, clock: FrozenClock
) -> None:
    now = clock.now()
    make_promotion(session, name="Soldes d\u2019hiver", starts_at=now + timedelta(days=3))
    make_promotion(session, name="Noël", starts_at=now - timedelta(days=1))
    make_promotion(session, name="Rentrée", ends_at=now - timedelta(days=1))
    make_promotion(session, name="Essai", is_active=False)
    session.commit()

    html = client.get(PROMOTIONS).text
    scheduled = client.get(f"{PROMOTIONS}?status=scheduled", headers={"HX-Request": "true"}).text

    for name, status in (
        ("Soldes d\u2019hiver", "Programmée"),
        ("Noël", "En cours"),
        ("Rentrée", "Terminée"),
        ("Essai", "Désactivée"),
    ):
        row = html.split(name, 1)[1].split("</tr>", 1)[0]
        assert status in row, name
    assert scheduled.lstrip().startswith('<div id="promotions">')
    assert "Soldes d\u2019hiver" in scheduled
    assert "Noël" not in scheduled


def test_a_scheduled_percentage_promotion_is_created_for_a_channel_and_a_category(
    client: TestClient, session: Session
) -> None:
    channel = make_channel(session, name="Boutique web")
    category = make_category(session, name="Pulls")
    product = make_product(session, handle="pull-marin")
    session.commit()

    response = client.post(
        f"{PROMOTIONS}/new",
        data={
            "csrf_token": _token(client),
            "name": "Noël \u221220 %",
            "kind": "percentage",
            "percent": "20",
            "currency": "EUR",
            "starts_at": "2026-12-01T09:00",
            "ends_at": "2026-12-26T00:00",
            "channel_ids": [str(channel.id)],
            "category_ids": [str(category.id)],
            "products": "pull-marin",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    promotion = session.scalars(select(Promotion)).one()
    assert (promotion.name, promotion.kind, promotion.percent) == (
        "Noël \u221220 %",
        "percentage",
        Decimal("20"),
    )
    assert promotion.starts_at is not None
    assert promotion.starts_at.hour == 8  # 09:00 in Paris is 08:00 UTC in December
    assert promotion.channel_ids == [str(channel.id)]
    assert promotion.category_ids == [str(category.id)]
    assert promotion.product_ids == [str(product.id)]


def test_a_fixed_amount_and_a_buy_x_get_y_promotion_are_created(
    client: TestClient, session: Session
) -> None:
    token = _token(client)
    for data in (
        {"name": "5 € de remise", "kind": "fixed_amount", "amount": "5,00", "currency": "EUR"},
        {"name": "3 pour 2", "kind": "buy_x_get_y", "buy_quantity": "2", "get_quantity": "1"},
        {"name": "Port offert", "kind": "free_shipping"},
    ):
        response = client.post(
            f"{PROMOTIONS}/new", data={"csrf_token": token, **data}, follow_redirects=False
        )
        assert response.status_code == 303, response.text

    rows = {p.name: p for p in session.scalars(select(Promotion))}
    assert (rows["5 € de remise"].amount_minor, rows["5 € de remise"].currency) == (500, "EUR")
    assert (rows["3 pour 2"].buy_quantity, rows["3 pour 2"].get_quantity) == (2, 1)
    assert rows["Port offert"].kind == "free_shipping"


def test_a_percentage_without_value_shows_the_field_error_and_creates_nothing(
    client: TestClient, session: Session
) -> None:
    response = client.post(
        f"{PROMOTIONS}/new",
        data={"csrf_token": _token(client), "name": "Noël", "kind": "percentage", "percent": ""},
    )

    assert response.status_code == 422
    assert 'href="#percent"' in response.text
    assert 'id="percent-error"' in response.text
    assert "Indiquez un pourcentage entre 0 et 100." in response.text
    assert 'value="Noël"' in response.text
    assert _count(session, Promotion) == 0


def test_an_unknown_product_is_named_next_to_its_field(
    client: TestClient, session: Session
) -> None:
    response = client.post(
        f"{PROMOTIONS}/new",
        data={
            "csrf_token": _token(client),
            "name": "Noël",
            "kind": "percentage",
            "percent": "10",
            "products": "nulle-part",
        },
    )

    assert response.status_code == 422
    assert 'id="products-error"' in response.text
    assert "nulle-part" in response.text
    assert _count(session, Promotion) == 0


def test_a_scheduled_promotion_is_edited(
    client: TestClient, session: Session, clock: FrozenClock
) -> None:
    promotion = make_promotion(session, name="Noël", starts_at=clock.now() + timedelta(days=5))
    session.commit()
    page = client.get(f"{PROMOTIONS}/{promotion.id}").text
    assert "Programmée" in page

    response = client.post(
        f"{PROMOTIONS}/{promotion.id}",
        data={
            "csrf_token": csrf_token_of(page),
            "name": "Noël \u221215 %",
            "kind": "percentage",
            "percent": "15",
            "starts_at": "2026-12-01T00:00",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    session.refresh(promotion)
    assert (promotion.name, promotion.percent) == ("Noël \u221215 %", Decimal("15"))


def test_a_running_promotion_keeps_its_value_and_refuses_an_end_in_the_past(
    client: TestClient, session: Session, clock: FrozenClock
) -> None:
    promotion = make_promotion(
        session, name="Noël", percent=Decimal("10"), starts_at=clock.now() - timedelta(days=2)
    )
    session.commit()
    page = client.get(f"{PROMOTIONS}/{promotion.id}").text
    assert 'id="percent" name="percent" type="text" value="10" autocomplete="off"' in page
    assert "disabled" in page.split('id="percent"', 1)[1].split(">", 1)[0]

    refused = client.post(
        f"{PROMOTIONS}/{promotion.id}",
        data={"csrf_token": csrf_token_of(page), "name": "Noël", "ends_at": "2026-11-01T00:00"},
    )
    saved = client.post(
        f"{PROMOTIONS}/{promotion.id}",
        data={"csrf_token": csrf_token_of(page), "name": "Noël bis", "percent": "90"},
        follow_redirects=False,
    )

    assert refused.status_code == 422
    assert 'id="ends_at-error"' in refused.text
    assert saved.status_code == 303
    session.refresh(promotion)
    assert (promotion.name, promotion.percent, promotion.ends_at) == (
        "Noël bis",
        Decimal("10"),
        None,
    )


def test_ending_a_running_promotion_records_its_end(
    client: TestClient, session: Session, clock: FrozenClock
) -> None:
    promotion = make_promotion(session, starts_at=clock.now() - timedelta(days=2))
    session.commit()
    page = client.get(f"{PROMOTIONS}/{promotion.id}").text

    response = client.post(
        f"{PROMOTIONS}/{promotion.id}/end",
        data={"csrf_token": csrf_token_of(page)},
        follow_redirects=True,
    )

    assert "Terminée" in response.text
    session.refresh(promotion)
    assert promotion.ends_at == clock.now()


def test_a_coupon_is_added_with_its_limits_and_its_uses_are_shown(
    client: TestClient, session: Session
) -> None:
    promotion = make_promotion(session, requires_coupon=True)
    make_coupon(session, promotion=promotion, code="BIENVENUE10", times_used=7, usage_limit=100)
    session.commit()
    page = client.get(f"{PROMOTIONS}/{promotion.id}").text

    response = client.post(
        f"{PROMOTIONS}/{promotion.id}/coupons",
        data={
            "csrf_token": csrf_token_of(page),
            "code": "noel20",
            "usage_limit": "50",
            "per_customer_limit": "1",
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    coupon = session.scalars(select(Coupon).where(Coupon.code == "NOEL20")).one()
    assert (coupon.usage_limit, coupon.per_customer_limit) == (50, 1)
    row = response.text.split("BIENVENUE10", 1)[1].split("</tr>", 1)[0]
    assert ">7</td>" in row
    assert ">100</td>" in row


def test_a_bad_coupon_code_shows_its_error_and_adds_nothing(
    client: TestClient, session: Session
) -> None:
    promotion = make_promotion(session, requires_coupon=True)
    make_coupon(session, promotion=promotion, code="PRIS")
    session.commit()
    page = client.get(f"{PROMOTIONS}/{promotion.id}").text

    bad = client.post(
        f"{PROMOTIONS}/{promotion.id}/coupons",
        data={"csrf_token": csrf_token_of(page), "code": "a b"},
    )
    taken = client.post(
        f"{PROMOTIONS}/{promotion.id}/coupons",
        data={"csrf_token": csrf_token_of(page), "code": "pris"},
    )

    assert bad.status_code == taken.status_code == 422
    assert 'id="coupon_code-error"' in bad.text
    assert 'value="a b"' in bad.text
    assert "PRIS est déjà utilisé." in taken.text
    assert _count(session, Coupon) == 1
