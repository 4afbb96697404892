"""``comptoir users``: staff accounts from the command line (the first owner, before anyone
can sign in to the back office)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from comptoir.identity import security_log as log
from comptoir.identity import service
from comptoir.identity.scopes import OWNER
from comptoir.kit.errors import DomainError
from comptoir.kit.settings import get_settings
from comptoir.privacy.schemas import AuditActor

users_app = typer.Typer(help="Staff users.", no_args_is_help=True)
console = Console()


@users_app.command("create-owner")
def create_owner(
    email: Annotated[str, typer.Option(help="The owner's e-mail address (the sign-in name).")],
    name: Annotated[str, typer.Option(help="The name shown in the back office.")] = "Owner",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff user with the owner role. Two-step verification is set up at the first
    sign-in."""
    from comptoir.kit.db.engine import create_database
    from comptoir.kit.logging import configure_logging

    settings = get_settings()
    configure_logging(settings)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = create_database(settings)
    try:
        with database.transaction() as session:
            service.ensure_builtin_roles(session)
            user = service.create_user(
                session, email=email, display_name=name, password=password, role_keys=[OWNER]
            )
            user_id = user.id
            log.log_event(
                session,
                log.USER_CREATED,
                user_id=user_id,
                actor=AuditActor.system("comptoir users create-owner"),
                details={"roles": [OWNER]},
            )
    except DomainError as error:
        console.print(f"[red]{error.detail('en')}[/red]")
        raise typer.Exit(code=1) from error
    finally:
        database.dispose()
    console.print(f"Owner {email} created ({user_id}). Sign in at {settings.base_url}/admin/login")
