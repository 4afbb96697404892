"""Uploaded spreadsheets: checked at once, applied by a job, followed on the Imports page."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from comptoir.catalog import service as catalog
from comptoir.kit.db.engine import Database
from comptoir.kit.jobs.models import Job
from comptoir.spreadsheets import uploads
from comptoir.spreadsheets.tasks import apply_upload_task
from tests.backoffice.conftest import csrf_token_of
from tests.catalog.factories import make_price_list
from tests.inventory.factories import make_location
from tests.spreadsheets.conftest import row_counts

FILE = b"sku;title;price;quantity\nA-1;Good;1,50;4\nB-1;Bad;x;1\n"
EN = {"Accept-Language": "en"}


def test_checking_keeps_the_report_and_changes_nothing_else(shop: Session) -> None:
    before = row_counts(shop)

    upload = uploads.check_upload(
        shop, filename="c.csv", content=FILE, location_code="MAIN", price_list_code="public"
    )

    assert upload.status == "checked"
    assert upload.report["outcomes"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert upload.report["issues"] == [
        {"line": 3, "column": "price", "en": "Must be a decimal number.",
         "fr": "Doit être un nombre décimal."}
    ]  # fmt: skip
    assert row_counts(shop) == before


def test_the_job_applies_the_valid_rows(shop: Session) -> None:
    upload = uploads.check_upload(
        shop, filename="c.csv", content=FILE, location_code="MAIN", price_list_code="public"
    )
    uploads.queue_upload(shop, upload.id)

    apply_upload_task(shop, {"upload_id": str(upload.id)})

    assert upload.status == "applied"
    assert catalog.find_variant_by_sku(shop, "A-1") is not None
    assert catalog.find_variant_by_sku(shop, "B-1") is None


def test_an_upload_is_queued_only_once(shop: Session) -> None:
    upload = uploads.check_upload(shop, filename="c.csv", content=FILE)
    uploads.queue_upload(shop, upload.id)
    jobs = shop.scalar(select(func.count()).select_from(Job))

    with pytest.raises(uploads.UploadStateConflict):
        uploads.queue_upload(shop, upload.id)

    assert shop.scalar(select(func.count()).select_from(Job)) == jobs


def test_the_page_shows_the_refused_rows_then_queues_the_import(
    admin_client: TestClient, db: Database
) -> None:
    # given
    with db.transaction() as session:
        make_location(session, code="MAIN")
        make_price_list(session, code="public", currency="EUR")
    form = admin_client.get("/admin/imports", headers=EN)

    # when: the file is uploaded
    checked = admin_client.post(
        "/admin/imports",
        data={"csrf_token": csrf_token_of(form.text), "location": "MAIN", "price_list": "public"},
        files={"file": ("catalogue.csv", FILE, "text/csv")},
        headers=EN,
    )

    # then: its report lists the refused row
    assert checked.status_code == 200
    assert "Must be a decimal number." in checked.text
    assert 'id="apply"' in checked.text
    upload_id = uuid.UUID(str(checked.url).rsplit("/", 1)[1])

    # when: it is applied
    applied = admin_client.post(
        f"/admin/imports/{upload_id}/apply",
        data={"csrf_token": csrf_token_of(checked.text)},
        headers=EN,
    )

    # then: a job runs it and the page follows it
    assert applied.status_code == 200
    assert 'hx-trigger="every 1s"' in applied.text
    with db.transaction(readonly=True) as session:
        assert uploads.get_upload(session, upload_id).status == "queued"
        assert (
            session.scalar(
                select(func.count()).select_from(Job).where(Job.task == uploads.APPLY_TASK)
            )
            == 1
        )


def test_a_file_that_is_no_spreadsheet_is_refused_on_the_page(admin_client: TestClient) -> None:
    form = admin_client.get("/admin/imports", headers=EN)

    response = admin_client.post(
        "/admin/imports",
        data={"csrf_token": csrf_token_of(form.text)},
        files={"file": ("photo.xlsx", b"\x00\x01garbage", "application/octet-stream")},
        headers=EN,
    )

    assert response.status_code == 422
    assert "The file is not a spreadsheet that can be read (CSV or XLSX)." in response.text


def test_the_catalogue_downloads_as_xlsx(admin_client: TestClient) -> None:
    response = admin_client.get("/admin/imports-export?format=xlsx")

    assert response.status_code == 200
    assert response.content.startswith(b"PK\x03\x04")
    assert response.headers["content-disposition"] == 'attachment; filename="catalogue.xlsx"'
