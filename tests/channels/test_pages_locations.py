"""A channel's selling locations in the back office: which locations it sells from, with the
buffer kept back at each, added, changed and removed from the channel's page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.inventory import service as inventory
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_channel, make_variant
from tests.inventory.factories import make_location, stock
from tests.support.staff import sign_in_client, staff_session_token

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}


def _rules(db: Database, channel_id: uuid.UUID) -> dict[uuid.UUID, int]:
    with db.session() as session:
        return {
            rule.location_id: rule.buffer
            for rule in inventory.list_channel_locations(session, channel_id=channel_id)
        }


def _row(html: str, code: str) -> str:
    return html.split(f'id="location-{code}"', 1)[1].split("</tr>", 1)[0]


@pytest.fixture
def reader(admin_settings: Settings, db: Database) -> Iterator[TestClient]:
    """Signed in as a staff user who may see the channels and the stock, not change them."""
    with TestClient(create_app(admin_settings, db)) as test_client:
        token = staff_session_token(db, admin_settings, scopes=["channels:read", "inventory:read"])
        sign_in_client(test_client, token)
        yield test_client


def test_the_page_lists_every_location_with_whether_the_channel_sells_from_it(
    client: TestClient, db: Database
) -> None:
    # given a marketplace selling from the warehouse with a buffer of 2, and a store it does not
    with db.transaction() as session:
        channel_id = make_channel(session, name="Place de marché", kind="marketplace").id
        warehouse = make_location(session, code="WH", name="Entrepôt").id
        make_location(session, code="PARIS", name="Paris", kind="store")
        inventory.set_channel_location(
            session, channel_id=channel_id, location_id=warehouse, buffer=2
        )

    # when its page is opened
    html = client.get(f"/admin/channels/{channel_id}", headers=EN).text

    # then both locations are listed, the warehouse selling with its buffer, the store not
    assert "Selling locations" in html
    assert "Yes" in _row(html, "WH")
    assert 'value="2"' in _row(html, "WH")
    assert "Stop selling from here" in _row(html, "WH")
    assert "<td>No</td>" in _row(html, "PARIS")
    assert "Sell from here" in _row(html, "PARIS")
    assert "Stop selling from here" not in _row(html, "PARIS")


def test_a_location_is_added_its_buffer_changed_then_removed(
    client: TestClient, db: Database
) -> None:
    # given a channel that sells from no location, and 5 units at a store
    with db.transaction() as session:
        channel_id = make_channel(session, kind="marketplace").id
        store = make_location(session, code="LYON", name="Lyon", kind="store").id
        variant_id = make_variant(session).id
        stock(session, variant_id=variant_id, location_id=store, quantity=5)
    url = f"/admin/channels/{channel_id}/locations/{store}"
    token = csrf_token_of(client.get(f"/admin/channels/{channel_id}", headers=EN).text)

    # when the store is added with a buffer of 3
    added = client.post(url, data={"csrf_token": token, "buffer": "3"}, headers=EN)

    # then the channel sells from it and can promise 5 - 3 units
    assert added.status_code == 200
    assert "Saved: the channel sells from this location" in added.text
    assert _rules(db, channel_id) == {store: 3}
    with db.session() as session:
        assert inventory.available_to_promise(
            session, channel_id=channel_id, variant_ids=[variant_id]
        ) == {variant_id: 2}

    # when the buffer becomes 1
    client.post(url, data={"csrf_token": token, "buffer": " 1 "}, headers=EN)

    # then the rule holds the new buffer
    assert _rules(db, channel_id) == {store: 1}

    # when the store is removed, twice (a double submit)
    removed = client.post(f"{url}/remove", data={"csrf_token": token}, headers=EN)
    again = client.post(f"{url}/remove", data={"csrf_token": token}, headers=EN)

    # then the channel no longer sells from it, and the second time changed nothing
    assert removed.status_code == again.status_code == 200
    assert "The channel no longer sells from this location" in removed.text
    assert _rules(db, channel_id) == {}
    assert "Sell from here" in _row(again.text, "LYON")


@pytest.mark.parametrize("typed", ["-1", "deux", "", "2,5", "1000001", "\u00b2"])
def test_a_wrong_buffer_is_refused_next_to_its_field_and_changes_nothing(
    client: TestClient, db: Database, typed: str
) -> None:
    # given a channel selling from a warehouse with a buffer of 2
    with db.transaction() as session:
        channel_id = make_channel(session).id
        warehouse = make_location(session, code="WH").id
        inventory.set_channel_location(
            session, channel_id=channel_id, location_id=warehouse, buffer=2
        )
    token = csrf_token_of(client.get(f"/admin/channels/{channel_id}").text)

    # when a buffer that is not a whole number of units within bounds is sent
    response = client.post(
        f"/admin/channels/{channel_id}/locations/{warehouse}",
        data={"csrf_token": token, "buffer": typed},
        headers=EN,
    )

    # then the form comes back with the message next to the field, what was typed kept
    field = f"buffer-{warehouse}"
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert "Enter a whole number of units to keep back, from 0 to 1,000,000." in response.text
    assert f'href="#{field}"' in response.text
    assert f'value="{typed}"' in _row(response.text, "WH")
    assert _rules(db, channel_id) == {warehouse: 2}


def test_the_refusal_speaks_french_to_a_french_reader(client: TestClient, db: Database) -> None:
    # given a channel and a location
    with db.transaction() as session:
        channel_id = make_channel(session).id
        warehouse = make_location(session, code="WH").id
    token = csrf_token_of(client.get(f"/admin/channels/{channel_id}").text)

    # when a negative buffer is sent in French
    response = client.post(
        f"/admin/channels/{channel_id}/locations/{warehouse}",
        data={"csrf_token": token, "buffer": "-2"},
        headers=FR,
    )

    # then the message is French (with French digit grouping) and nothing is created
    assert response.status_code == 422
    assert "Emplacements de vente" in response.text
    assert "Saisissez un nombre entier d\u2019unités à garder en réserve, de 0 à 1" in response.text
    assert _rules(db, channel_id) == {}


def test_an_unknown_location_is_a_404_and_creates_nothing(client: TestClient, db: Database) -> None:
    with db.transaction() as session:
        channel_id = make_channel(session).id
    token = csrf_token_of(client.get(f"/admin/channels/{channel_id}").text)

    response = client.post(
        f"/admin/channels/{channel_id}/locations/{uuid.uuid4()}",
        data={"csrf_token": token, "buffer": "1"},
    )

    assert response.status_code == 404
    assert _rules(db, channel_id) == {}


def test_a_reader_sees_the_locations_but_cannot_change_them(
    reader: TestClient, db: Database, session: Session
) -> None:
    # given a channel selling from a warehouse with a buffer of 2
    with db.transaction() as setup:
        channel_id = make_channel(setup).id
        warehouse = make_location(setup, code="WH").id
        inventory.set_channel_location(
            setup, channel_id=channel_id, location_id=warehouse, buffer=2
        )
    page = reader.get(f"/admin/channels/{channel_id}", headers=EN)
    url = f"/admin/channels/{channel_id}/locations/{warehouse}"

    # when someone without channels:write changes the buffer or removes the location
    changed = reader.post(url, data={"csrf_token": csrf_token_of(page.text), "buffer": "0"})
    removed = reader.post(f"{url}/remove", data={"csrf_token": csrf_token_of(page.text)})

    # then both are refused and the rule is unchanged
    assert page.status_code == 200
    assert changed.status_code == removed.status_code == 403
    assert _rules(db, channel_id) == {warehouse: 2}
