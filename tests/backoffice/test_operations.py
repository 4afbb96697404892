"""The Operations page over HTTP: counts, filters, retry, and the CSRF barrier on retry."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from comptoir.backoffice.shell import FLASH_COOKIE
from comptoir.kit.clock import FrozenClock
from comptoir.kit.events.models import EventDelivery
from comptoir.kit.jobs.models import Job
from tests.backoffice.conftest import csrf_token_of
from tests.backoffice.factories import add_delivery, add_job

HTMX = {"HX-Request": "true"}


def _rows(html: str, prefix: str) -> list[str]:
    return re.findall(rf'<tr id="{prefix}-([0-9a-f-]+)">', html)


def test_summary_counts_items_per_status(client: TestClient, session: Session) -> None:
    # given two dead deliveries, one failed, one delivered, and one dead job
    add_delivery(session, key="SO-1")
    add_delivery(session, key="SO-2")
    add_delivery(session, key="SO-3", status="pending", attempts=2)
    add_delivery(session, key="SO-4", status="delivered", attempts=1, last_error=None)
    add_job(session)
    session.commit()

    # when the page is opened
    html = client.get("/admin/operations").text

    # then the delivery summary shows 2 dead-lettered, 1 failed, 1 delivered
    summary = html[html.index('id="summary-delivery"') : html.index('id="jobs"')]
    counts = re.findall(r"<dt>([^<]+)</dt>\s*<dd>(\d+)</dd>", summary)
    assert counts == [
        ("En attente", "0"),
        ("En cours", "0"),
        ("En échec", "1"),
        ("Abandonné", "2"),
        ("Livré", "1"),
    ]


def test_the_query_string_filters_each_table(client: TestClient, session: Session) -> None:
    # given a dead and a delivered delivery, a dead and a succeeded job
    dead = add_delivery(session, key="SO-1")
    add_delivery(session, key="SO-2", status="delivered", attempts=1, last_error=None)
    dead_job = add_job(session)
    add_job(session, task="reports.daily", status="succeeded", attempts=1, last_error=None)
    session.commit()

    # when the page is opened on a deep link to the dead items
    html = client.get("/admin/operations?jobs=dead&events=dead").text

    # then each table lists only its dead item, and the chosen chips are marked
    assert _rows(html, "delivery") == [str(dead.id)]
    assert _rows(html, "job") == [str(dead_job.id)]
    assert 'id="jobs-filter-dead" href="/admin/operations?jobs=dead&amp;events=dead"' in html
    assert re.search(r'id="events-filter-dead"[^>]*aria-current="true"', html)


def test_a_chip_asked_through_htmx_gets_only_the_content(
    client: TestClient, session: Session
) -> None:
    # given a dead delivery
    add_delivery(session)
    session.commit()

    # when htmx asks for the filtered page
    answer = client.get("/admin/operations?events=dead", headers=HTMX)

    # then it receives the content block alone, without the layout
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="operations">')
    assert "<html" not in answer.text


def test_an_empty_table_explains_what_goes_there(client: TestClient) -> None:
    # given no job and no event at all
    # when the page is opened on dead-lettered deliveries
    html = client.get("/admin/operations?events=dead").text

    # then each table is replaced by an explanation
    assert "Aucune tâche pour l\u2019instant" in html
    assert "Aucune livraison abandonnée" in html
    assert "<table" not in html


def test_retrying_a_dead_delivery_through_htmx_puts_it_back_in_line(
    client: TestClient, session: Session, clock: FrozenClock
) -> None:
    # given a dead-lettered delivery on the open page
    delivery = add_delivery(session)
    session.commit()
    token = csrf_token_of(client.get("/admin/operations").text)

    # when its Retry button is pressed
    answer = client.post(
        f"/admin/operations/deliveries/{delivery.id}/retry",
        headers={**HTMX, "X-CSRF-Token": token},
    )

    # then the row comes back pending with a confirmation for the live region
    assert answer.status_code == 200
    assert _rows(answer.text, "delivery") == [str(delivery.id)]
    assert '<span class="badge badge--pending">En attente</span>' in answer.text
    assert 'hx-swap-oob="innerHTML:#flash"' in answer.text
    assert "remis en file" in answer.text
    # and the delivery is due now with a fresh count of attempts
    session.expire_all()
    stored = session.get(EventDelivery, delivery.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.next_attempt_at) == ("pending", 0, clock.now())


def test_retrying_without_javascript_redirects_to_the_page_with_a_message(
    client: TestClient, session: Session
) -> None:
    # given a dead job on the page filtered on dead jobs
    job = add_job(session)
    session.commit()
    token = csrf_token_of(client.get("/admin/operations?jobs=dead").text)

    # when the plain form is submitted
    answer = client.post(
        f"/admin/operations/jobs/{job.id}/retry",
        data={"csrf_token": token, "next": "/admin/operations?jobs=dead"},
        follow_redirects=False,
    )

    # then the browser returns to the same filtered page, which shows the confirmation once
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/operations?jobs=dead"
    page = client.get("/admin/operations?jobs=dead")
    assert '<p class="flash">La tâche est remise en file.</p>' in page.text
    assert FLASH_COOKIE not in client.cookies
    session.expire_all()
    stored = session.get(Job, job.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == ("pending", 0)


def test_retrying_without_the_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    # given a dead delivery and a browser holding a valid CSRF cookie
    delivery = add_delivery(session)
    session.commit()
    client.get("/admin/operations")

    # when a request without the token asks to retry it
    answer = client.post(f"/admin/operations/deliveries/{delivery.id}/retry", headers=HTMX)

    # then it is refused and the delivery is still dead
    assert answer.status_code == 403
    session.expire_all()
    stored = session.get(EventDelivery, delivery.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == ("dead", 8)


def test_retrying_with_a_forged_token_is_refused_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    # given a dead job and a browser holding a valid CSRF cookie
    job = add_job(session)
    session.commit()
    client.get("/admin/operations")

    # when a request repeats a token of its own making
    answer = client.post(
        f"/admin/operations/jobs/{job.id}/retry",
        headers={**HTMX, "X-CSRF-Token": "forged.0123456789abcdef"},
    )

    # then it is refused and the job is still dead
    assert answer.status_code == 403
    session.expire_all()
    stored = session.get(Job, job.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == ("dead", 5)


def test_retrying_a_delivered_delivery_is_a_conflict_that_shows_the_row(
    client: TestClient, session: Session
) -> None:
    # given a delivery that already reached its handler
    delivery = add_delivery(session, status="delivered", attempts=1, last_error=None)
    session.commit()
    token = csrf_token_of(client.get("/admin/operations").text)

    # when a stale page asks to retry it
    answer = client.post(
        f"/admin/operations/deliveries/{delivery.id}/retry",
        headers={**HTMX, "X-CSRF-Token": token},
    )

    # then the answer is a conflict carrying the row as it is and an error message
    assert answer.status_code == 409
    assert '<span class="badge badge--delivered">Livré</span>' in answer.text
    assert 'class="flash flash--error"' in answer.text
    session.expire_all()
    stored = session.get(EventDelivery, delivery.id)
    assert stored is not None
    assert (stored.status, stored.attempts) == ("delivered", 1)


def test_retrying_an_unknown_job_is_not_found(client: TestClient) -> None:
    # given a page and its token
    token = csrf_token_of(client.get("/admin/operations").text)

    # when a job that does not exist is retried
    answer = client.post(
        "/admin/operations/jobs/01900000-0000-7000-8000-000000000000/retry",
        headers={**HTMX, "X-CSRF-Token": token},
    )

    # then the answer is 404
    assert answer.status_code == 404
