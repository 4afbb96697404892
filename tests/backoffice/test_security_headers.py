"""Security headers (ASVS V3.4): a content security policy on pages, nosniff and a referrer
policy on every answer, HSTS over https."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from comptoir.api import create_app
from comptoir.kit.db.engine import Database
from comptoir.kit.http.security_headers import API_DOCS_POLICY, HSTS, PAGE_POLICY
from tests.backoffice.conftest import make_settings


def test_a_back_office_page_allows_only_its_own_scripts_and_cannot_be_framed(
    client: TestClient,
) -> None:
    # when a signed-in user opens the back office
    answer = client.get("/admin")

    # then the page carries a policy that refuses inline and foreign scripts and framing
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    assert policy == PAGE_POLICY
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"


def test_back_office_templates_hold_no_inline_script() -> None:
    # the page policy allows scripts from Comptoir's own files only: an inline <script> or an
    # on...= attribute in a template would be blocked in the browser
    source = Path(__file__).parents[2] / "src" / "comptoir"
    offenders = []
    for template in source.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for line_number, line in enumerate(text.splitlines(), start=1):
            if "<script" in line and "src=" not in line:
                offenders.append(f"{template}:{line_number}")
            if " onclick=" in line or " onsubmit=" in line or " onchange=" in line:
                offenders.append(f"{template}:{line_number}")
    assert offenders == []


def test_api_answers_are_not_sniffed_and_https_gets_hsts(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    settings = make_settings(database_url, tmp_path)
    with TestClient(create_app(settings, db), base_url="https://shop.example") as https:
        # when the API is asked over https
        answer = https.get("/healthz")
        docs = https.get("/docs")
    with TestClient(create_app(settings, db)) as plain:
        over_http = plain.get("/healthz")

    # then the JSON answer is marked nosniff and HSTS is sent over https only
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["strict-transport-security"] == HSTS
    assert "content-security-policy" not in answer.headers  # JSON is not rendered
    assert "strict-transport-security" not in over_http.headers
    # the Swagger UI page needs its own inline start-up script, and only that page gets it
    assert docs.headers["content-security-policy"] == API_DOCS_POLICY
