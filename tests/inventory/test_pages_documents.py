"""Transfers and count sheets in the back office, through the HTTP client: the stock they
move, the ledger they write, and what the pages show in between."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select

from comptoir.inventory import service
from comptoir.inventory.models import Movement
from comptoir.kit.db.engine import Database
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_variant
from tests.inventory.factories import make_location, stock

EN = {"Accept-Language": "en"}
TRANSFERS = "/admin/inventory/transfers"
COUNTS = "/admin/inventory/counts"


@dataclass(frozen=True)
class Shop:
    mug: uuid.UUID
    bowl: uuid.UUID
    paris: uuid.UUID
    lyon: uuid.UUID


def _shop(db: Database) -> Shop:
    """10 mugs and 3 bowls in the Paris store; nothing in Lyon."""
    with db.transaction() as session:
        mug = make_variant(session, sku="MUG-BLUE").id
        bowl = make_variant(session, sku="BOWL-RED").id
        paris = make_location(session, name="Paris store", kind="store").id
        lyon = make_location(session, name="Lyon store", kind="store").id
        stock(session, variant_id=mug, location_id=paris, quantity=10)
        stock(session, variant_id=bowl, location_id=paris, quantity=3)
        return Shop(mug=mug, bowl=bowl, paris=paris, lyon=lyon)


def _on_hand(db: Database, variant_id: uuid.UUID, location_id: uuid.UUID) -> int:
    with db.transaction(readonly=True) as session:
        level = service.get_level(session, variant_id, location_id)
        return 0 if level is None else level.on_hand


def _ledger(db: Database, reference_type: str) -> list[tuple[str, str, int, str | None]]:
    """Movements of documents of ``reference_type``: (kind, location id, quantity, reason),
    oldest first."""
    with db.transaction(readonly=True) as session:
        rows = session.execute(
            select(Movement.kind, Movement.location_id, Movement.quantity, Movement.reason)
            .where(Movement.reference_type == reference_type)
            .order_by(Movement.occurred_at, Movement.kind)
        )
        return [
            (kind, str(location), quantity, reason) for kind, location, quantity, reason in rows
        ]


def _levels_match_the_ledger(db: Database) -> bool:
    with db.transaction(readonly=True) as session:
        return not service.check_levels(session)


def _post(client: TestClient, url: str, token: str, **data: str | list[str]) -> str:
    """POST a back-office form; returns where it redirected to."""
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _cells(html: str, sku: str) -> list[str]:
    """The number cells of the count sheet's row of ``sku``."""
    row = html.split(f"<td>{sku}</td>", 1)[1].split("</tr>", 1)[0]
    return [cell.strip() for cell in re.findall(r'<td class="num">([^<]*)</td>', row)]


def _in_transit_cell(html: str) -> str:
    row = html.split('id="transfer-lines"', 1)[1].split("<tbody>", 1)[1].split("</tr>", 1)[0]
    cells: list[str] = re.findall(r'<td class="num">([^<]*)</td>', row)
    return cells[-1]


def test_a_transfer_is_created_shipped_and_received_moving_the_stock(
    admin_client: TestClient, db: Database
) -> None:
    # given 10 mugs in Paris
    shop = _shop(db)
    form = admin_client.get(f"{TRANSFERS}/new", headers=EN)
    token = csrf_token_of(form.text)

    # when a transfer of 4 mugs to Lyon is created
    page_url = _post(
        admin_client,
        f"{TRANSFERS}/new",
        token,
        source=str(shop.paris),
        destination=str(shop.lyon),
        lines="MUG-BLUE 4\n",
        note="For the Saturday market",
    )
    draft = admin_client.get(page_url, headers=EN)

    # then it is a draft and nothing has moved yet
    assert page_url.startswith(f"{TRANSFERS}/")
    assert re.search(r'id="transfer-status">Draft<', draft.text)
    assert "For the Saturday market" in draft.text
    assert (_on_hand(db, shop.mug, shop.paris), _on_hand(db, shop.mug, shop.lyon)) == (10, 0)

    # when it is shipped
    _post(admin_client, f"{page_url}/ship", token)
    shipped = admin_client.get(page_url, headers=EN)

    # then the units left Paris and are in transit, not yet in Lyon
    assert re.search(r'id="transfer-status">In transit<', shipped.text)
    assert "The transfer was shipped: its units are in transit." in shipped.text
    assert _in_transit_cell(shipped.text) == "4"
    assert "Receive everything in transit" in shipped.text
    assert (_on_hand(db, shop.mug, shop.paris), _on_hand(db, shop.mug, shop.lyon)) == (6, 0)

    # when it is received
    _post(admin_client, f"{page_url}/receive", token)
    received = admin_client.get(page_url, headers=EN)

    # then Lyon holds the 4 mugs, nothing is in transit, and the ledger says so
    assert re.search(r'id="transfer-status">Received<', received.text)
    assert _in_transit_cell(received.text) == "0"
    assert (_on_hand(db, shop.mug, shop.paris), _on_hand(db, shop.mug, shop.lyon)) == (6, 4)
    assert _ledger(db, "transfer") == [
        ("transfer_out", str(shop.paris), -4, None),
        ("transfer_in", str(shop.lyon), 4, None),
    ]
    assert _levels_match_the_ledger(db)
    listed = admin_client.get(TRANSFERS, headers=EN)
    assert f'href="{page_url}"' in listed.text


def test_shipping_more_than_the_stock_is_refused_and_moves_nothing(
    admin_client: TestClient, db: Database
) -> None:
    # given a draft transfer of 5 bowls when Paris holds 3
    shop = _shop(db)
    token = csrf_token_of(admin_client.get(f"{TRANSFERS}/new").text)
    page_url = _post(
        admin_client,
        f"{TRANSFERS}/new",
        token,
        source=str(shop.paris),
        destination=str(shop.lyon),
        lines="MUG-BLUE 2\nBOWL-RED 5",
    )

    # when it is shipped
    response = admin_client.post(
        f"{page_url}/ship", data={"csrf_token": token}, headers=EN, follow_redirects=False
    )

    # then it is refused, still a draft, and not even the mugs left
    assert response.status_code == 409
    assert "There is a problem" in response.text
    assert re.search(r'id="transfer-status">Draft<', response.text)
    assert (_on_hand(db, shop.mug, shop.paris), _on_hand(db, shop.bowl, shop.paris)) == (10, 3)
    assert _ledger(db, "transfer") == []


def test_a_transfer_to_the_same_location_or_of_an_unknown_sku_is_refused(
    admin_client: TestClient, db: Database
) -> None:
    shop = _shop(db)
    token = csrf_token_of(admin_client.get(f"{TRANSFERS}/new").text)

    response = admin_client.post(
        f"{TRANSFERS}/new",
        data={
            "csrf_token": token,
            "source": str(shop.paris),
            "destination": str(shop.paris),
            "lines": "MUG-BLUE 2\nSPOON-X 1",
        },
        headers=EN,
    )

    assert response.status_code == 422
    assert 'href="#destination"' in response.text
    assert "SPOON-X" in response.text
    assert "MUG-BLUE 2" in response.text
    with db.transaction(readonly=True) as session:
        assert service.list_transfers(session) == []


def test_a_count_is_entered_applied_and_its_variances_are_in_the_ledger(
    admin_client: TestClient, db: Database
) -> None:
    # given 10 mugs and 3 bowls expected in Paris
    shop = _shop(db)
    token = csrf_token_of(admin_client.get(f"{COUNTS}/new").text)
    sheet_url = _post(
        admin_client, f"{COUNTS}/new", token, location=str(shop.paris), skus="MUG-BLUE\nBOWL-RED"
    )
    sheet = admin_client.get(sheet_url, headers=EN)
    assert re.search(r'id="count-status">Open<', sheet.text)
    variants = [str(shop.mug), str(shop.bowl)]

    # when 8 mugs are counted and saved, the bowls not counted yet
    _post(admin_client, sheet_url, token, variant=variants, counted=["8", ""])
    saved = admin_client.get(sheet_url, headers=EN)

    # then the count is kept on the open sheet and the stock is unchanged
    assert re.search(rf'id="counted-{shop.mug}"[^>]*value="8"', saved.text)
    assert re.search(rf'id="counted-{shop.bowl}"[^>]*value=""', saved.text)
    assert _on_hand(db, shop.mug, shop.paris) == 10
    assert _ledger(db, "count") == []

    # when 5 bowls are counted too and the sheet is applied
    _post(admin_client, sheet_url, token, variant=variants, counted=["8", "5"], apply="1")
    applied = admin_client.get(sheet_url, headers=EN)

    # then the stock is what was counted, each variance is a count movement in the ledger,
    # and the sheet shows the differences
    assert (_on_hand(db, shop.mug, shop.paris), _on_hand(db, shop.bowl, shop.paris)) == (8, 5)
    assert sorted(_ledger(db, "count")) == [
        ("count", str(shop.paris), -2, "cycle_count"),
        ("count", str(shop.paris), 2, "cycle_count"),
    ]
    assert _levels_match_the_ledger(db)
    assert re.search(r'id="count-status">Applied<', applied.text)
    assert "The count was applied: the differences are in the ledger." in applied.text
    assert _cells(applied.text, "MUG-BLUE")[-2:] == ["8", "-2"]
    assert _cells(applied.text, "BOWL-RED")[-2:] == ["5", "+2"]
    assert 'name="counted"' not in applied.text


def test_a_count_that_is_not_a_number_is_refused_and_nothing_is_saved(
    admin_client: TestClient, db: Database
) -> None:
    # given an open sheet
    shop = _shop(db)
    token = csrf_token_of(admin_client.get(f"{COUNTS}/new").text)
    sheet_url = _post(
        admin_client, f"{COUNTS}/new", token, location=str(shop.paris), skus="MUG-BLUE"
    )

    # when "ten" is typed and the sheet applied
    response = admin_client.post(
        sheet_url,
        data={"csrf_token": token, "variant": str(shop.mug), "counted": "ten", "apply": "1"},
        headers=EN,
    )

    # then the field is named, what was typed is kept, and nothing moved
    assert response.status_code == 422
    assert f'href="#counted-{shop.mug}"' in response.text
    assert re.search(rf'id="counted-{shop.mug}"[^>]*value="ten"', response.text)
    assert _on_hand(db, shop.mug, shop.paris) == 10
    with db.transaction(readonly=True) as session:
        sheet = service.get_count(session, uuid.UUID(sheet_url.rsplit("/", 1)[1]))
        assert (sheet.status, [line.counted for line in sheet.lines]) == ("open", [None])
