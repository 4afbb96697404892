"""The shell: who may open /admin, in which language, and the CSRF barrier."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from comptoir.api import create_app
from comptoir.backoffice.csrf import COOKIE_NAME
from comptoir.backoffice.shell import LOCALE_COOKIE
from comptoir.identity.models import StaffSession
from comptoir.kit import clock
from comptoir.kit.crypto.keyring import init_key_file
from comptoir.kit.db.engine import Database
from comptoir.kit.settings import Settings
from tests.backoffice.conftest import csrf_token_of, make_settings


def test_without_a_session_pages_ask_to_sign_in(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    # given a browser that nobody signed in
    settings = make_settings(database_url, tmp_path)
    with TestClient(create_app(settings, db)) as client:
        # when it asks for back-office pages and a static file
        pages = [
            client.get(path, follow_redirects=False) for path in ("/admin", "/admin/operations")
        ]
        static = client.get("/admin/static/backoffice.css")

    # then the pages send it to the sign-in page (coming back afterwards); the stylesheet
    # that the sign-in page needs is served
    assert [page.status_code for page in pages] == [303, 303]
    assert [page.headers["location"] for page in pages] == [
        "/admin/login?next=/admin",
        "/admin/login?next=/admin/operations",
    ]
    assert static.status_code == 200


def test_the_old_open_admin_variable_opens_nothing(
    database_url: str, tmp_path: Path, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the variable that once opened the back office without sign-in, in production
    monkeypatch.setenv("COMPTOIR_DEV_OPEN_ADMIN", "1")
    settings = Settings(
        environment="production", database_url=database_url, data_dir=tmp_path, _env_file=None
    )
    init_key_file(tmp_path / "keys" / "kek.json")  # production refuses to start without keys

    # when the application starts and someone asks for /admin
    with TestClient(create_app(settings, db)) as client:
        answer = client.get("/admin", follow_redirects=False)

    # then sign-in is required: no setting opens the back office
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin"
    assert not hasattr(settings, "dev_open_admin")


def test_a_revoked_session_no_longer_opens_pages(client: TestClient, db: Database) -> None:
    # given the signed-in client's session, ended in the database
    assert client.get("/admin", follow_redirects=False).status_code == 200
    with db.transaction() as session:
        session.execute(update(StaffSession).values(revoked_at=clock.now()))

    # when it asks for the front page again
    answer = client.get("/admin", follow_redirects=False)

    # then it is sent to sign in
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/login?next=/admin"


def test_admin_serves_the_front_page_when_signed_in(client: TestClient) -> None:
    # when a signed-in staff user asks for the back office's front page
    answer = client.get("/admin")

    # then it is an HTML page linking to the Operations page, with a CSRF cookie
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert 'href="/admin/operations"' in answer.text
    assert COOKIE_NAME in answer.cookies


def test_pages_are_in_french_by_default(client: TestClient) -> None:
    # when a browser that states no language opens a page
    answer = client.get("/admin/operations")

    # then the page is in French
    assert '<html lang="fr">' in answer.text
    assert "Système" in answer.text
    assert "Aller au contenu principal" in answer.text


def test_pages_follow_the_browser_language_without_a_cookie(client: TestClient) -> None:
    # when a browser that prefers English opens a page
    answer = client.get("/admin/operations", headers={"Accept-Language": "en-GB,en;q=0.9"})

    # then the page is in English
    assert '<html lang="en">' in answer.text
    assert ">System</h2>" in answer.text


def test_the_language_cookie_wins_over_the_browser_language(client: TestClient) -> None:
    # given someone who chose English
    client.cookies.set(LOCALE_COOKIE, "en")

    # when their French-speaking browser opens a page
    answer = client.get("/admin/operations", headers={"Accept-Language": "fr-FR"})

    # then the page is in English
    assert '<html lang="en">' in answer.text
    assert "Skip to main content" in answer.text


def test_switching_language_sets_the_cookie_and_returns_to_the_page(client: TestClient) -> None:
    # given an open page and its CSRF token
    token = csrf_token_of(client.get("/admin/operations?events=dead").text)

    # when the EN button is pressed
    answer = client.post(
        "/admin/locale",
        data={"locale": "en", "next": "/admin/operations?events=dead", "csrf_token": token},
        follow_redirects=False,
    )

    # then the browser goes back to the same page with the language remembered
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/operations?events=dead"
    assert answer.cookies[LOCALE_COOKIE] == "en"


def test_switching_language_never_redirects_off_the_back_office(client: TestClient) -> None:
    # given a form whose return address points at another site
    token = csrf_token_of(client.get("/admin").text)

    # when it is submitted
    answer = client.post(
        "/admin/locale",
        data={"locale": "fr", "next": "//evil.example/phish", "csrf_token": token},
        follow_redirects=False,
    )

    # then the browser is sent to the back office's front page instead
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin"


def test_switching_language_without_the_csrf_token_is_refused(client: TestClient) -> None:
    # given a browser holding a valid CSRF cookie
    client.get("/admin")

    # when a form posted from elsewhere (no token) asks for English
    answer = client.post("/admin/locale", data={"locale": "en"}, follow_redirects=False)

    # then it is refused and no language cookie is set
    assert answer.status_code == 403
    assert LOCALE_COOKIE not in answer.cookies


def test_pages_load_vendored_assets_only(client: TestClient) -> None:
    # when a page is rendered
    html = client.get("/admin/operations").text

    # then it loads htmx and Alpine from the back office's own static files, which are served
    assert "https://" not in html
    assert "http://" not in html
    for path in (
        "/admin/static/vendor/htmx-2.0.11.min.js",
        "/admin/static/vendor/alpinejs-3.17.5.min.js",
        "/admin/static/backoffice.css",
        "/admin/static/backoffice.js",
    ):
        assert f'"{path}"' in html
        assert client.get(path).status_code == 200


def test_the_current_page_is_marked_in_the_navigation(client: TestClient) -> None:
    # when the Operations page is open
    html = client.get("/admin/operations").text

    # then its navigation link, and only it, is marked as the current page
    assert html.count('aria-current="page"') == 2  # the navigation link and the breadcrumb
    assert '<a href="/admin/operations" aria-current="page">' in html
