"""``comptoir clients``: API clients from the command line; ``comptoir signing-keys``: the keys
that sign tokens (list, rotate)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from comptoir.identity.oauth import keys, service
from comptoir.identity.oauth.models import CLIENT_KIND_APP, CLIENT_KIND_INTEGRATION
from comptoir.kit.db.engine import Database, create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.settings import get_settings

clients_app = typer.Typer(help="OAuth 2 API clients.", no_args_is_help=True)
signing_keys_app = typer.Typer(help="Keys that sign access and ID tokens.", no_args_is_help=True)
console = Console()


def _database() -> Database:
    from comptoir.kit.crypto.keyring import install_keyring

    settings = get_settings()
    install_keyring(settings)
    return create_database(settings)


@clients_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="Who uses it.")],
    scope: Annotated[list[str], typer.Option("--scope", help="An allowed scope (repeatable).")],
    kind: Annotated[str, typer.Option(help="integration or app")] = CLIENT_KIND_INTEGRATION,
    redirect_uri: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="An exact redirect URI (apps).")
    ] = None,
    public: Annotated[bool, typer.Option(help="An app that cannot keep a secret.")] = False,
) -> None:
    """Register a client; its secret is printed once."""
    database = _database()
    try:
        with database.transaction() as session:
            registered = service.register_client(
                session,
                name=name,
                kind=kind,
                scopes=scope,
                redirect_uris=redirect_uri or [],
                is_confidential=not (public and kind == CLIENT_KIND_APP),
            )
            client_id = registered.client.client_id
    except DomainError as error:
        console.print(f"[red]{error.detail('en')}[/red]")
        raise typer.Exit(code=1) from error
    finally:
        database.dispose()
    console.print(f"client_id: {client_id}")
    if registered.secret:
        console.print(f"client_secret: {registered.secret}")
        console.print("Keep the secret now: it is not shown again.")


@clients_app.command("list")
def list_clients() -> None:
    """Every client, with its kind, scopes and status."""
    database = _database()
    try:
        with database.transaction(readonly=True) as session:
            rows = [
                [
                    client.client_id,
                    client.name,
                    client.kind,
                    " ".join(str(scope) for scope in client.scopes),
                    "revoked" if client.revoked_at else "active",
                ]
                for client in service.list_clients(session)
            ]
    finally:
        database.dispose()
    table = Table(title="API clients")
    for column in ("client_id", "name", "kind", "scopes", "status"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


@clients_app.command("revoke")
def revoke(client_id: Annotated[str, typer.Argument(help="The client_id")]) -> None:
    """Revoke a client and every token it holds."""
    database = _database()
    try:
        with database.transaction() as session:
            service.revoke_client(session, client_id)
    except DomainError as error:
        console.print(f"[red]{error.detail('en')}[/red]")
        raise typer.Exit(code=1) from error
    finally:
        database.dispose()
    console.print(f"{client_id} revoked.")


@signing_keys_app.command("rotate")
def rotate() -> None:
    """Make a new signing key active. The previous one stays published for a day, so that the
    tokens it signed keep validating until they expire."""
    database = _database()
    try:
        with database.transaction() as session:
            kid = keys.create_signing_key(session).kid
    finally:
        database.dispose()
    console.print(f"New signing key {kid} is active.")


@signing_keys_app.command("list")
def list_keys() -> None:
    """Every signing key, newest first."""
    database = _database()
    try:
        with database.transaction(readonly=True) as session:
            published = {key.kid for key in keys.published_keys(session)}
            rows = [
                [
                    key.kid,
                    key.status,
                    key.created_at.isoformat(timespec="seconds"),
                    "yes" if key.kid in published else "no",
                ]
                for key in keys.list_signing_keys(session)
            ]
    finally:
        database.dispose()
    table = Table(title="Signing keys")
    for column in ("kid", "status", "created", "published"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
