"""The ``comptoir`` command."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from comptoir.billing.cli import app as billing_app
from comptoir.channels.cli import app as channels_app
from comptoir.customers.cli import app as customers_app
from comptoir.identity.cli import users_app
from comptoir.identity.oauth.cli import clients_app, signing_keys_app
from comptoir.imports.cli import app as imports_app
from comptoir.inventory.cli import app as inventory_app
from comptoir.kit.crypto.cli import keys_app
from comptoir.kit.db.engine import Database, create_database
from comptoir.kit.logging import configure_logging
from comptoir.kit.settings import Settings, get_settings
from comptoir.modules import load_modules
from comptoir.orders.cli import app as orders_app
from comptoir.privacy.cli import audit_app
from comptoir.spreadsheets.cli import app as catalog_app

app = typer.Typer(help="Comptoir: the back office of a small online shop.", no_args_is_help=True)
events_app = typer.Typer(help="The outbox: list, retry and replay events.", no_args_is_help=True)
jobs_app = typer.Typer(help="The job queue: list and retry jobs.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema tools.", no_args_is_help=True)
app.add_typer(events_app, name="events")
app.add_typer(jobs_app, name="jobs")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(clients_app, name="clients")
app.add_typer(signing_keys_app, name="signing-keys")
app.add_typer(inventory_app, name="inventory")
app.add_typer(catalog_app, name="catalog")
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")
app.add_typer(customers_app, name="customers")
app.add_typer(channels_app, name="channels")
app.add_typer(imports_app, name="import")
app.add_typer(orders_app, name="orders")
app.add_typer(billing_app, name="billing")

console = Console()


@app.callback()
def _load_modules() -> None:
    """Every command runs with logging configured and every module loaded, so that the events
    a command emits reach all their handlers and its jobs find their tasks."""
    settings = get_settings()
    configure_logging(settings)
    load_modules(settings)


def _prepare() -> tuple[Settings, Database]:
    settings = get_settings()
    return settings, create_database(settings)


@app.command()
def migrate(revision: str = "heads") -> None:
    """Create or upgrade the database schema."""
    from comptoir.kit.db.migrate import current_revision, upgrade

    _settings, database = _prepare()
    upgrade(database.engine, revision)
    console.print(
        f"Database at revision [bold]{current_revision(database.engine)}[/bold] "
        f"({database.dialect_name})."
    )


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="API processes.")] = 1,
    with_worker: Annotated[bool, typer.Option(help="Run a job worker in each process.")] = True,
) -> None:
    """Serve the API, the back office and (by default) an in-process worker."""
    import os

    import uvicorn

    os.environ["COMPTOIR_RUN_WORKER_IN_PROCESS"] = "1" if with_worker else "0"
    get_settings.cache_clear()
    settings, _ = _prepare()
    uvicorn.run(
        "comptoir.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        # A worker still importing Comptoir on a busy two-core machine misses uvicorn's
        # default 5-second health check and is killed before it serves anything.
        timeout_worker_healthcheck=60,
        log_level=settings.log_level.lower(),
    )


@app.command()
def worker(threads: Annotated[int, typer.Option(help="Worker threads.")] = 1) -> None:
    """Run a standalone worker until SIGTERM/SIGINT: schedules, events and jobs."""
    from comptoir.worker import run_worker

    settings, database = _prepare()
    run_worker(database, settings, threads=threads)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    return table


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


@events_app.command("list")
def events_list(
    status: Annotated[
        str | None, typer.Option(help="pending, running, failed, dead, delivered")
    ] = None,
    event_type: Annotated[str | None, typer.Option("--type", help="e.g. order.placed")] = None,
    limit: int = 50,
) -> None:
    """List the latest event deliveries, with counts per status."""
    from comptoir.kit.events import service

    _, database = _prepare()
    with database.transaction(readonly=True) as session:
        counts = service.status_counts(session)
        views = service.list_deliveries(session, status=status, event_type=event_type, limit=limit)
    console.print(" ".join(f"{name}: {count}" for name, count in counts.items()))
    console.print(
        _table(
            "Event deliveries",
            ["id", "event", "key", "handler", "status", "attempts", "next attempt", "last error"],
            [
                [
                    str(v.id),
                    v.event_type,
                    v.key,
                    v.handler,
                    v.status,
                    str(v.attempts),
                    _when(v.next_attempt_at),
                    (v.last_error or "").splitlines()[-1:][0] if v.last_error else "",
                ]
                for v in views
            ],
        )
    )


@events_app.command("retry")
def events_retry(
    delivery_id: Annotated[str | None, typer.Argument(help="A delivery id")] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Every dead letter")] = False,
) -> None:
    """Put a failed or dead-lettered delivery (or all dead letters) back in line."""
    from comptoir.kit.events import service

    if (delivery_id is None) == (not all_dead):
        raise typer.BadParameter("give a delivery id or --all-dead")
    _, database = _prepare()
    with database.transaction() as session:
        if all_dead:
            count = service.retry_all_dead(session)
        else:
            service.retry_delivery(session, uuid.UUID(str(delivery_id)))
            count = 1
    console.print(f"{count} delivery(ies) back in line.")


@events_app.command("replay")
def events_replay(
    event_id: Annotated[list[str] | None, typer.Option("--event", help="An event id")] = None,
    event_type: Annotated[str | None, typer.Option("--type")] = None,
    since: Annotated[datetime | None, typer.Option(help="ISO date-time, UTC if no zone")] = None,
    handler: Annotated[str | None, typer.Option(help="Only this handler")] = None,
) -> None:
    """Deliver past events again (handlers apply them once more)."""
    from datetime import UTC

    from comptoir.kit.events import service

    _, database = _prepare()
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    ids = [uuid.UUID(value) for value in event_id or []]
    with database.transaction() as session:
        count = service.replay(
            session, event_ids=ids or None, event_type=event_type, since=since, handler=handler
        )
    console.print(f"{count} delivery(ies) queued again.")


@jobs_app.command("list")
def jobs_list(
    status: Annotated[
        str | None, typer.Option(help="pending, running, failed, dead, succeeded")
    ] = None,
    task: Annotated[str | None, typer.Option()] = None,
    limit: int = 50,
) -> None:
    """List the latest jobs, with counts per status."""
    from comptoir.kit.jobs import service

    _, database = _prepare()
    with database.transaction(readonly=True) as session:
        counts = service.status_counts(session)
        views = service.list_jobs(session, status=status, task=task, limit=limit)
    console.print(" ".join(f"{name}: {count}" for name, count in counts.items()))
    console.print(
        _table(
            "Jobs",
            ["id", "task", "status", "attempts", "run after", "last error"],
            [
                [
                    str(v.id),
                    v.task,
                    v.status,
                    f"{v.attempts}/{v.max_attempts}",
                    _when(v.run_after),
                    (v.last_error or "").splitlines()[-1:][0] if v.last_error else "",
                ]
                for v in views
            ],
        )
    )


@jobs_app.command("retry")
def jobs_retry(job_id: str) -> None:
    """Run a failed or dead-lettered job again."""
    from comptoir.kit.jobs import service

    _, database = _prepare()
    with database.transaction() as session:
        service.retry_job(session, uuid.UUID(job_id))
    console.print("Job back in line.")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("-m", "--message")],
    rev_id: Annotated[str | None, typer.Option(help="Revision id (default: random)")] = None,
    tables: Annotated[
        list[str] | None, typer.Option(help="Only tables with this name prefix (repeatable)")
    ] = None,
    base: Annotated[str | None, typer.Option(help="Start a branch from this revision")] = None,
) -> None:
    """Write a new migration from the difference between the models and a database at head."""
    from alembic import command

    from comptoir.kit.db.migrate import alembic_config, upgrade

    _settings, database = _prepare()
    upgrade(database.engine)
    with database.engine.begin() as connection:
        config = alembic_config(connection=connection)
        config.attributes["table_prefixes"] = list(tables or [])
        command.revision(
            config,
            message=message,
            autogenerate=True,
            rev_id=rev_id,
            head=base or "head",
            splice=base is not None,
        )


@db_app.command("current")
def db_current() -> None:
    """Show the database's migration revision and whether it is at head."""
    from comptoir.kit.db.migrate import current_revision, head_revision

    _, database = _prepare()
    console.print(f"current: {current_revision(database.engine)}  head: {head_revision()}")


@app.command()
def demo(
    history_days: Annotated[
        int, typer.Option(min=0, max=3660, help="Days of trading history (0: none).")
    ] = 730,
    orders_per_day: Annotated[
        float, typer.Option(min=0.1, max=500, help="Orders on an ordinary day of history.")
    ] = 2.5,
) -> None:
    """Prepare the demo shop: migrate the database, load the demo data of each module and
    generate its trading history (once: a second run adds nothing)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from comptoir.demo import seed_demo
    from comptoir.kit.db.migrate import upgrade
    from comptoir.orders.demo_history import HistoryOptions

    settings, database = _prepare()
    upgrade(database.engine)
    history = HistoryOptions(days=history_days, orders_per_day=orders_per_day)
    with (
        Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=True,
        ) as bar,
        database.transaction() as session,
    ):  # fmt: skip
        days = bar.add_task("History (days)", total=None)
        summary = seed_demo(
            session, settings, history=history,
            report=lambda done, total: bar.update(days, completed=done, total=total),
        )  # fmt: skip
    for line in summary:
        console.print(line)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
