"""``comptoir channels keys create|list|revoke``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from comptoir.channels import service
from comptoir.channels.errors import ChannelKeyRefused
from comptoir.channels.schemas import ChannelCreate
from comptoir.cli import app as comptoir_command
from comptoir.kit.db.engine import create_database
from comptoir.kit.db.migrate import upgrade
from comptoir.kit.settings import Settings, get_settings


def test_a_key_is_created_listed_and_revoked_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a fresh database with a web channel
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    database = create_database(Settings(_env_file=None, database_url=url, data_dir=tmp_path))
    upgrade(database.engine)
    with database.transaction() as session:
        service.create_channel(
            session, ChannelCreate(code="web", name="Web", kind="web", currency="EUR")
        )
    monkeypatch.setenv("COMPTOIR_DATABASE_URL", url)
    monkeypatch.setenv("COMPTOIR_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        # when a key is created, listed and revoked
        created = runner.invoke(
            comptoir_command, ["channels", "keys", "create", "--channel", "web", "--label", "Site"]
        )
        key = created.output.strip().splitlines()[-1]
        with database.transaction(readonly=True) as session:
            key_id = service.authenticate_key(session, key).key_id
        listed = runner.invoke(comptoir_command, ["channels", "keys", "list", "--channel", "web"])
        revoked = runner.invoke(
            comptoir_command, ["channels", "keys", "revoke", "--channel", "web", str(key_id)]
        )
        unknown = runner.invoke(
            comptoir_command, ["channels", "keys", "list", "--channel", "nowhere"]
        )
    finally:
        get_settings.cache_clear()

    # then the key worked until it was revoked, and the list shows its first characters only
    assert created.exit_code == 0, created.output
    assert key.startswith("pk_live_")
    assert listed.exit_code == 0, listed.output
    assert key[:12] in listed.output
    assert key not in listed.output
    assert revoked.exit_code == 0, revoked.output
    with database.transaction(readonly=True) as session, pytest.raises(ChannelKeyRefused):
        service.authenticate_key(session, key)
    assert unknown.exit_code == 1
    database.dispose()
