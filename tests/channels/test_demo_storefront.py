"""The demo storefront: served at ``/demo-store/`` only when the setting asks for it, as
files from Comptoir's origin under the page policy that allows no inline script."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.api import create_app
from comptoir.channels.demo import demo_key, seed_channel_keys
from comptoir.channels.storefront import STATIC_DIR
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.catalog.factories import make_channel


def test_the_storefront_is_not_served_unless_the_setting_is_on(
    settings: Settings, db: Database
) -> None:
    # given the default settings (as in production)
    with TestClient(create_app(settings, db)) as client:
        # when the storefront is asked for
        page = client.get("/demo-store/")
        script = client.get("/demo-store/storefront.js")

    # then nothing is there
    assert settings.demo_storefront is False
    assert (page.status_code, script.status_code) == (404, 404)


def test_the_storefront_is_served_from_the_origin_without_inline_script(
    settings: Settings, db: Database
) -> None:
    # given the setting on
    on = settings.model_copy(update={"demo_storefront": True})
    with TestClient(create_app(on, db)) as client:
        # when the page and its files are asked for
        page = client.get("/demo-store/")
        script = client.get("/demo-store/storefront.js")
        style = client.get("/demo-store/storefront.css")

    # then the page loads its script from the same origin, under the strict page policy
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert '<script src="storefront.js" defer></script>' in page.text
    assert (script.status_code, style.status_code) == (200, 200)
    assert "/store/v1" in script.text
    # and no file carries inline code (a <script> with a body, or an on* attribute)
    for html in Path(STATIC_DIR).glob("*.html"):
        text = html.read_text()
        assert re.search(r"<script[^>]*>\s*[^<\s]", text) is None, html.name
        assert re.search(r"\son[a-z]+\s*=", text) is None, html.name


def test_the_demo_prints_the_storefront_address_with_the_web_key(
    session: Session, settings: Settings
) -> None:
    # given the demo shop's web channel
    make_channel(session, code="web")

    # when its keys are seeded
    summary = seed_channel_keys(session, settings)

    # then the storefront's address carries the web channel's key
    assert f"{settings.base_url}/demo-store/?key={demo_key('web')}" in summary
