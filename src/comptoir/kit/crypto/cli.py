"""``comptoir keys``: create the keyring, rotate key-encryption keys, show their use."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

keys_app = typer.Typer(help="Encryption keys: init, status, rotate, retire.", no_args_is_help=True)
console = Console()


@keys_app.command("init")
def keys_init() -> None:
    """Create the keyring file (0600) with a first key-encryption key and a blind-index key."""
    from comptoir.kit.crypto.keyring import KeyringError, init_key_file, key_file_path
    from comptoir.kit.settings import get_settings

    path = key_file_path(get_settings())
    try:
        init_key_file(path)
    except KeyringError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Keyring created at {path}. Back it up apart from the database backups.")


@keys_app.command("status")
def keys_status() -> None:
    """Key-encryption key versions, and how many data keys each one wraps."""
    from comptoir.kit.crypto.keyring import load_keyring
    from comptoir.kit.crypto.service import key_status
    from comptoir.kit.db.engine import create_database
    from comptoir.kit.settings import get_settings

    settings = get_settings()
    keyring = load_keyring(settings)
    database = create_database(settings)
    with database.transaction(readonly=True) as session:
        status = key_status(session)
    database.dispose()
    source = keyring.path or "COMPTOIR_KEK"
    console.print(f"keyring: {source}  active version: {keyring.active_version}")
    for version in sorted(set(keyring.versions) | set(status.by_kek_version)):
        known = "" if version in keyring.versions else "  (MISSING from the keyring)"
        console.print(f"  v{version}: {status.by_kek_version.get(version, 0)} data keys{known}")
    console.print(f"  destroyed: {status.destroyed}")


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(help="Data keys re-wrapped per transaction.")] = 500,
    new_version: Annotated[
        bool, typer.Option(help="Add a new key version to the keyring file first.")
    ] = True,
) -> None:
    """Add a key-encryption key version, then re-wrap every data key under it, in batches.

    Services keep running: until the last batch, older versions stay in the keyring and keep
    unwrapping the keys not yet re-wrapped. With COMPTOIR_KEK, put the new version in the
    variable first and run with --no-new-version.
    """
    from comptoir.kit.crypto.keyring import add_key_version, load_keyring
    from comptoir.kit.crypto.service import key_status, rewrap_batch
    from comptoir.kit.db.engine import create_database
    from comptoir.kit.settings import get_settings

    settings = get_settings()
    keyring = load_keyring(settings)
    if new_version:
        if keyring.path is None:
            console.print("[red]COMPTOIR_KEK is set: add the version there, --no-new-version[/red]")
            raise typer.Exit(2)
        version = add_key_version(keyring.path)
        console.print(f"Added key-encryption key version {version}.")
    database = create_database(settings)
    total = 0
    while True:
        with database.transaction() as session:
            done = rewrap_batch(session, keyring, limit=batch_size)
        total += done
        if done == 0:
            break
        console.print(f"  re-wrapped {total} data keys")
    with database.transaction(readonly=True) as session:
        status = key_status(session)
    database.dispose()
    left = {v: n for v, n in status.by_kek_version.items() if v != keyring.active_version}
    console.print(f"Re-wrapped {total} data keys under version {keyring.active_version}.")
    if left:
        console.print(f"[red]Still under older versions: {left}[/red]")
        raise typer.Exit(1)
    retired = [v for v in keyring.versions if v != keyring.active_version]
    if retired:
        console.print(f"Older versions {retired} are unused: `comptoir keys retire VERSION`.")


@keys_app.command("retire")
def keys_retire(version: int) -> None:
    """Remove a key-encryption key version that no data key uses any more."""
    from comptoir.kit.crypto.keyring import load_keyring, retire_key_version
    from comptoir.kit.crypto.service import key_status
    from comptoir.kit.db.engine import create_database
    from comptoir.kit.settings import get_settings

    settings = get_settings()
    keyring = load_keyring(settings)
    if keyring.path is None:
        console.print("[red]COMPTOIR_KEK is set: remove the version from the variable.[/red]")
        raise typer.Exit(2)
    database = create_database(settings)
    with database.transaction(readonly=True) as session:
        in_use = key_status(session).by_kek_version.get(version, 0)
    database.dispose()
    if in_use:
        console.print(f"[red]{in_use} data keys still use version {version}: rotate first.[/red]")
        raise typer.Exit(1)
    retire_key_version(keyring.path, version)
    console.print(f"Version {version} removed from the keyring.")
