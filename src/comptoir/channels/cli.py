"""``comptoir channels keys ...``: the publishable keys of the sales channels, from the command
line."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from comptoir.channels import service
from comptoir.channels.schemas import ChannelKeyCreate, ChannelOut
from comptoir.kit.db.engine import create_database
from comptoir.kit.errors import DomainError
from comptoir.kit.settings import get_settings

app = typer.Typer(help="Sales channels.", no_args_is_help=True)
keys_app = typer.Typer(
    help="Publishable keys of the store API (X-Channel-Key).", no_args_is_help=True
)
app.add_typer(keys_app, name="keys")
console = Console()

ChannelCode = Annotated[str, typer.Option("--channel", help="The channel's code (e.g. web).")]


def _channel(session: Session, code: str) -> ChannelOut:
    channel = service.channel_by_code(session, code)
    if channel is None:
        console.print(f"[red]No channel has the code {code!r}.[/red]")
        raise typer.Exit(code=1)
    return channel


@keys_app.command("create")
def create(
    channel: ChannelCode,
    label: Annotated[str, typer.Option(help="What the key is for (e.g. the storefront's name).")],
) -> None:
    """Create a key and print it: it is shown this once, keep it in the storefront's
    configuration."""
    database = create_database(get_settings())
    try:
        with database.transaction() as session:
            created = service.create_key(
                session, _channel(session, channel).id, ChannelKeyCreate(label=label)
            )
    except DomainError as error:
        console.print(f"[red]{error.detail('en')}[/red]")
        raise typer.Exit(code=1) from error
    finally:
        database.dispose()
    console.print(f"Key {created.id} created for {channel}. It will not be shown again:")
    console.print(created.key, markup=False, highlight=False, soft_wrap=True)


@keys_app.command("list")
def list_keys(channel: ChannelCode) -> None:
    """The channel's keys (their first characters only), newest first."""
    database = create_database(get_settings())
    try:
        with database.transaction(readonly=True) as session:
            keys = service.list_keys(session, _channel(session, channel).id)
    finally:
        database.dispose()
    table = Table(title=f"Keys of {channel}")
    for column in ("id", "label", "starts with", "created", "last used", "revoked"):
        table.add_column(column)
    for key in keys:
        table.add_row(
            str(key.id),
            key.label,
            key.prefix + "...",
            key.created_at.isoformat(timespec="minutes"),
            key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "",
            key.revoked_at.isoformat(timespec="minutes") if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
def revoke(channel: ChannelCode, key_id: Annotated[uuid.UUID, typer.Argument()]) -> None:
    """Revoke a key: storefronts using it are refused at once."""
    database = create_database(get_settings())
    try:
        with database.transaction() as session:
            revoked = service.revoke_key(session, _channel(session, channel).id, key_id)
    except DomainError as error:
        console.print(f"[red]{error.detail('en')}[/red]")
        raise typer.Exit(code=1) from error
    finally:
        database.dispose()
    console.print(f"Key {revoked.id} ({revoked.label}) is revoked.")
