"""The stock list's sort and CSV export, and a variant's movement history filters."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.inventory import service
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, ref, stock

HTMX = {"HX-Request": "true"}


def _order(html: str, *skus: str) -> list[str]:
    return sorted(skus, key=html.index)


def test_the_stock_list_sorts_by_on_hand_both_ways(
    admin_client: TestClient, session: Session
) -> None:
    paris = make_location(session, name="Paris")
    for sku, quantity in (("MUG-A", 5), ("MUG-B", 12), ("MUG-C", 1)):
        stock(
            session,
            variant_id=make_variant(session, sku=sku).id,
            location_id=paris.id,
            quantity=quantity,
        )
    session.commit()

    ascending = admin_client.get("/admin/inventory?sort=on_hand", headers=HTMX).text
    descending = admin_client.get("/admin/inventory?sort=-on_hand", headers=HTMX).text

    assert _order(ascending, "MUG-A", "MUG-B", "MUG-C") == ["MUG-C", "MUG-A", "MUG-B"]
    assert _order(descending, "MUG-A", "MUG-B", "MUG-C") == ["MUG-B", "MUG-A", "MUG-C"]
    assert 'aria-sort="descending"' in descending
    assert ascending.lstrip().startswith('<section class="panel" id="levels"')


def test_the_csv_export_follows_the_location_filter_and_the_sort(
    admin_client: TestClient, session: Session
) -> None:
    paris = make_location(session, code="ST-PARIS", name="Paris")
    lyon = make_location(session, code="ST-LYON", name="Lyon")
    mug = make_variant(session, sku="MUG-A", title="Bleu")
    cup = make_variant(session, sku="CUP-A")
    stock(session, variant_id=mug.id, location_id=paris.id, quantity=3)
    stock(session, variant_id=cup.id, location_id=paris.id, quantity=8)
    stock(session, variant_id=mug.id, location_id=lyon.id, quantity=4)
    service.reserve(
        session,
        variant_id=mug.id,
        location_id=paris.id,
        quantity=1,
        reference=ref(),
    )
    session.commit()

    response = admin_client.get(f"/admin/inventory.csv?location={paris.id}&sort=-available")

    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == "sku,product,location_code,location,on_hand,reserved,available"
    assert [line.split(",")[0] for line in lines[1:]] == ["CUP-A", "MUG-A"]
    assert lines[2].endswith("ST-PARIS,Paris,3,1,2")


def test_the_movement_history_filters_by_location_and_kind_with_reasons(
    admin_client: TestClient, session: Session
) -> None:
    paris = make_location(session, name="Paris")
    lyon = make_location(session, name="Lyon")
    variant = make_variant(session, sku="MUG-A")
    stock(session, variant_id=variant.id, location_id=paris.id, quantity=5)
    stock(session, variant_id=variant.id, location_id=lyon.id, quantity=4)
    service.adjust(
        session,
        variant_id=variant.id,
        location_id=paris.id,
        quantity=-1,
        reason="damaged",
        note="Anse cassée",
        actor="Camille",
    )
    session.commit()
    base = f"/admin/inventory/variants/{variant.id}"

    everything = admin_client.get(base).text.split('id="movement-table"', 1)[1]
    in_lyon = admin_client.get(f"{base}?location={lyon.id}").text.split('id="movement-table"', 1)[1]
    adjustments = admin_client.get(f"{base}?kind=adjustment").text
    table = adjustments.split('id="movement-table"', 1)[1].split("</table>", 1)[0]

    assert everything.split("</table>", 1)[0].count("<tr>") == 4
    assert in_lyon.split("</table>", 1)[0].count("<tr>") == 2
    assert table.count("<tr>") == 2
    assert "Abîmé" in table
    assert "Anse cassée" in table
    assert "Camille" in table
    assert 'id="movement-kind-adjustment" href' in adjustments


def test_another_location_of_the_history_answers_404(
    admin_client: TestClient, session: Session
) -> None:
    variant = make_variant(session)
    session.commit()

    response = admin_client.get(
        f"/admin/inventory/variants/{variant.id}?location=01900000-0000-7000-8000-000000000000"
    )

    assert response.status_code == 404
