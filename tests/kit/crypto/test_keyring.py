"""The keyring: a 0600 file or COMPTOIR_KEK, versioned KEKs, wrap and unwrap."""

from __future__ import annotations

import base64
import secrets
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from comptoir.kit.crypto.keyring import (
    KeyringError,
    LocalKeyring,
    UnwrapError,
    add_key_version,
    init_key_file,
    load_keyring,
    read_key_file,
    retire_key_version,
)
from comptoir.kit.settings import Settings


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path, **values)  # type: ignore[arg-type]


def _b64_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def test_init_creates_a_file_only_its_owner_can_read(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "kek.json"
    material = init_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_key_file(path) == material
    assert material.active == 1


def test_init_never_overwrites_existing_keys(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    init_key_file(path)
    before = path.read_bytes()
    with pytest.raises(KeyringError, match="already exists"):
        init_key_file(path)
    assert path.read_bytes() == before


def test_development_creates_the_key_file_on_first_use(tmp_path: Path) -> None:
    keyring = load_keyring(_settings(tmp_path, environment="development"))
    assert keyring.path == tmp_path / "keys" / "kek.json"
    assert keyring.path.exists()


def test_production_refuses_to_start_without_keys(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="comptoir keys init"):
        load_keyring(_settings(tmp_path, environment="production"))
    assert not (tmp_path / "keys").exists()


def test_production_refuses_a_key_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "kek.json"
    init_key_file(path)
    path.chmod(0o640)
    with pytest.raises(KeyringError, match="chmod 600"):
        load_keyring(_settings(tmp_path, environment="production"))


def test_production_starts_with_a_private_key_file(tmp_path: Path) -> None:
    material = init_key_file(tmp_path / "keys" / "kek.json")
    keyring = load_keyring(_settings(tmp_path, environment="production"))
    assert keyring.material == material


def test_environment_keys_with_several_versions_wrap_under_the_highest(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        environment="production",
        kek=SecretStr(f"1:{_b64_key()},2:{_b64_key()}"),
        blind_index_key=SecretStr(_b64_key()),
    )
    keyring = load_keyring(settings)
    wrapped, version = keyring.wrap(b"k" * 32)
    assert version == 2
    assert keyring.versions == (1, 2)
    assert keyring.unwrap(wrapped, 2) == b"k" * 32


def test_environment_keys_need_a_blind_index_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kek=SecretStr(_b64_key()))
    with pytest.raises(KeyringError, match="COMPTOIR_BLIND_INDEX_KEY"):
        load_keyring(settings)


def test_a_key_that_is_not_256_bits_is_refused(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path,
        kek=SecretStr(base64.b64encode(b"short").decode()),
        blind_index_key=SecretStr(_b64_key()),
    )
    with pytest.raises(KeyringError, match="256 bits"):
        load_keyring(settings)


def test_a_wrapped_key_does_not_unwrap_under_another_version(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    init_key_file(path)
    add_key_version(path)
    keyring = LocalKeyring(read_key_file(path), path=path)
    wrapped, version = keyring.wrap(b"k" * 32)
    assert version == 2
    with pytest.raises(UnwrapError):
        keyring.unwrap(wrapped, 1)


def test_a_running_keyring_picks_up_a_version_added_by_another_process(tmp_path: Path) -> None:
    # given a process that loaded version 1 only
    path = tmp_path / "kek.json"
    init_key_file(path)
    running = LocalKeyring(read_key_file(path), path=path)
    # when another process adds version 2 and wraps a key under it
    add_key_version(path)
    other = LocalKeyring(read_key_file(path), path=path)
    wrapped, version = other.wrap(b"d" * 32)
    # then the running one unwraps it and wraps new keys under version 2
    assert running.unwrap(wrapped, version) == b"d" * 32
    assert running.wrap(b"e" * 32)[1] == 2


def test_rotation_keeps_the_blind_index_key(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    before = init_key_file(path).blind_index_key
    add_key_version(path)
    assert read_key_file(path).blind_index_key == before


def test_the_active_version_cannot_be_retired(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    init_key_file(path)
    with pytest.raises(KeyringError, match="active"):
        retire_key_version(path, 1)
    assert set(read_key_file(path).keks) == {1}
