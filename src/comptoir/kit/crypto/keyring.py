"""Key-encryption keys (KEK): the keys that wrap every data key.

A :class:`KeyEncryptionKeyProvider` is the interface a key management service offers: wrap a
data key under the current KEK version, unwrap it under the version it was wrapped with. The
local implementation, :class:`LocalKeyring`, keeps versioned 256-bit keys in a JSON file
(created with 0600 permissions) or reads them from ``COMPTOIR_KEK``; a cloud KMS plugs in by
implementing the same two methods.

The keyring also holds the blind-index key, separate from the KEKs so that rotating KEKs
never changes a blind index.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from comptoir.kit.settings import Settings, get_settings

KEY_BYTES = 32
NONCE_BYTES = 12
FILE_FORMAT = 1


class KeyringError(Exception):
    """The keyring is missing, unreadable, or does not hold the key asked for."""


class UnwrapError(KeyringError):
    """A wrapped data key does not authenticate under its KEK version."""


@runtime_checkable
class KeyEncryptionKeyProvider(Protocol):
    """What Comptoir asks of a key management service."""

    @property
    def active_version(self) -> int:
        """The KEK version new data keys are wrapped with."""
        ...

    def wrap(self, data_key: bytes) -> tuple[bytes, int]:
        """Encrypt ``data_key`` under the active KEK; returns (wrapped, kek_version)."""
        ...

    def unwrap(self, wrapped: bytes, kek_version: int) -> bytes:
        """The data key ``wrapped`` under ``kek_version``; raises :class:`UnwrapError`."""
        ...


@runtime_checkable
class Keyring(KeyEncryptionKeyProvider, Protocol):
    """A KEK provider that also holds the blind-index key (a KMS adapter keeps that key in
    its secret store)."""

    @property
    def blind_index_key(self) -> bytes:
        """The HMAC key of blind indexes; never changes with KEK rotation."""
        ...


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    """Versioned KEKs and the blind-index key, as read from a file or the environment."""

    keks: Mapping[int, bytes]
    active: int
    blind_index_key: bytes

    def __post_init__(self) -> None:
        if not self.keks or self.active not in self.keks:
            raise KeyringError("the keyring has no active key-encryption key")
        for key in (*self.keks.values(), self.blind_index_key):
            if len(key) != KEY_BYTES:
                raise KeyringError("every key must be 256 bits (32 bytes)")


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyringError("a key is not valid base64") from exc


def _wrap_aad(version: int) -> bytes:
    return f"comptoir.kek.v{version}".encode()


class LocalKeyring:
    """KEKs held by this process, from a keyring file or from ``COMPTOIR_KEK``.

    A file-backed keyring notices when the file changes (``comptoir keys rotate`` in another
    process added a version) and reloads it, so running processes start wrapping with the new
    version and can unwrap keys re-wrapped under it, without a restart.
    """

    def __init__(self, material: KeyMaterial, *, path: Path | None = None) -> None:
        self._material = material
        self._path = path
        self._mtime = path.stat().st_mtime_ns if path is not None else None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def material(self) -> KeyMaterial:
        self._reload_if_changed()
        return self._material

    @property
    def active_version(self) -> int:
        return self.material.active

    @property
    def versions(self) -> tuple[int, ...]:
        return tuple(sorted(self.material.keks))

    @property
    def blind_index_key(self) -> bytes:
        return self.material.blind_index_key

    def wrap(self, data_key: bytes) -> tuple[bytes, int]:
        material = self.material
        nonce = secrets.token_bytes(NONCE_BYTES)
        kek = AESGCM(material.keks[material.active])
        wrapped = nonce + kek.encrypt(nonce, data_key, _wrap_aad(material.active))
        return wrapped, material.active

    def unwrap(self, wrapped: bytes, kek_version: int) -> bytes:
        key = self.material.keks.get(kek_version)
        if key is None and self._path is not None:
            self._reload(force=True)
            key = self._material.keks.get(kek_version)
        if key is None:
            raise KeyringError(f"no key-encryption key of version {kek_version}")
        nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        try:
            return AESGCM(key).decrypt(nonce, body, _wrap_aad(kek_version))
        except InvalidTag as exc:
            raise UnwrapError(f"data key does not unwrap under version {kek_version}") from exc

    def _reload_if_changed(self) -> None:
        if self._path is None:
            return
        try:
            mtime = self._path.stat().st_mtime_ns
        except OSError:
            return
        if mtime != self._mtime:
            self._reload(force=True)

    def _reload(self, *, force: bool) -> None:
        if self._path is None:
            return
        with self._lock:
            self._mtime = self._path.stat().st_mtime_ns
            self._material = read_key_file(self._path)


# -- the keyring file ---------------------------------------------------------------------


def read_key_file(path: Path) -> KeyMaterial:
    """Read a keyring file; raises :class:`KeyringError` if it is missing or malformed."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        keks = {int(version): _b64(key) for version, key in document["keys"].items()}
        return KeyMaterial(
            keks=keks,
            active=int(document["active"]),
            blind_index_key=_b64(document["blind_index_key"]),
        )
    except FileNotFoundError as exc:
        raise KeyringError(f"no keyring file at {path}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyringError(f"the keyring file {path} is malformed") from exc


def write_key_file(path: Path, material: KeyMaterial, *, exclusive: bool = False) -> None:
    """Write the keyring atomically, readable by its owner only (0600). ``exclusive``: fail
    with :class:`KeyringError` rather than replace an existing file."""
    document = {
        "format": FILE_FORMAT,
        "active": material.active,
        "keys": {str(v): base64.b64encode(k).decode() for v, k in sorted(material.keks.items())},
        "blind_index_key": base64.b64encode(material.blind_index_key).decode(),
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(temporary, path)
        else:
            os.replace(temporary, path)
    except FileExistsError as exc:
        raise KeyringError(f"a keyring file already exists at {path}") from exc
    finally:
        temporary.unlink(missing_ok=True)


def init_key_file(path: Path) -> KeyMaterial:
    """Create a keyring file with a first KEK and a blind-index key.

    Raises :class:`KeyringError` if the file already exists (never overwrite keys).
    """
    if path.exists():
        raise KeyringError(f"a keyring file already exists at {path}")
    material = KeyMaterial(
        keks={1: secrets.token_bytes(KEY_BYTES)},
        active=1,
        blind_index_key=secrets.token_bytes(KEY_BYTES),
    )
    write_key_file(path, material, exclusive=True)
    return material


def add_key_version(path: Path) -> int:
    """Add a new KEK version to the keyring file and make it the active one; returns it."""
    material = read_key_file(path)
    version = max(material.keks) + 1
    keks = {**material.keks, version: secrets.token_bytes(KEY_BYTES)}
    write_key_file(
        path, KeyMaterial(keks=keks, active=version, blind_index_key=material.blind_index_key)
    )
    return version


def retire_key_version(path: Path, version: int) -> None:
    """Remove a KEK version that no data key uses any more (the caller checks that)."""
    material = read_key_file(path)
    if version == material.active:
        raise KeyringError("the active key-encryption key cannot be retired")
    if version not in material.keks:
        raise KeyringError(f"no key-encryption key of version {version}")
    keks = {v: k for v, k in material.keks.items() if v != version}
    write_key_file(
        path,
        KeyMaterial(keks=keks, active=material.active, blind_index_key=material.blind_index_key),
    )


# -- from settings ------------------------------------------------------------------------


def parse_environment_keys(kek: str, blind_index_key: str | None) -> KeyMaterial:
    """``COMPTOIR_KEK``: ``key`` (version 1) or ``1:key,2:key``; the highest is active."""
    keks: dict[int, bytes] = {}
    for position, part in enumerate(p.strip() for p in kek.split(",") if p.strip()):
        version_text, sep, key_text = part.partition(":")
        if not sep:
            version_text, key_text = str(position + 1), part
        try:
            keks[int(version_text)] = _b64(key_text)
        except ValueError as exc:
            raise KeyringError("COMPTOIR_KEK: versions must be integers") from exc
    if not blind_index_key:
        raise KeyringError("COMPTOIR_KEK is set: COMPTOIR_BLIND_INDEX_KEY must be set too")
    return KeyMaterial(
        keks=keks, active=max(keks, default=0), blind_index_key=_b64(blind_index_key)
    )


def key_file_path(settings: Settings) -> Path:
    return settings.key_file or settings.data_dir / "keys" / "kek.json"


def load_keyring(settings: Settings) -> LocalKeyring:
    """The keyring these settings name: ``COMPTOIR_KEK`` if set, else the key file.

    In development and test a missing key file is created; in production it is an error
    (:class:`KeyringError`), so that a process never starts encrypting with keys nobody kept.
    """
    if settings.kek is not None:
        blind = settings.blind_index_key.get_secret_value() if settings.blind_index_key else None
        return LocalKeyring(parse_environment_keys(settings.kek.get_secret_value(), blind))
    path = key_file_path(settings)
    if not path.exists():
        if settings.environment == "production":
            raise KeyringError(
                f"no keyring at {path}: run `comptoir keys init` or set COMPTOIR_KEK"
            )
        with contextlib.suppress(KeyringError):  # another process created it first
            init_key_file(path)
    if settings.environment == "production" and path.stat().st_mode & 0o077:
        raise KeyringError(f"{path} must be readable by its owner only: chmod 600 {path}")
    return LocalKeyring(read_key_file(path), path=path)


# -- the process keyring ------------------------------------------------------------------

_installed: Keyring | None = None
_install_lock = threading.Lock()


def install_keyring(settings: Settings) -> Keyring:
    """Load the keyring for ``settings`` and make it the process's; raises
    :class:`KeyringError` in production without one (call it at start-up)."""
    global _installed
    keyring = load_keyring(settings)
    with _install_lock:
        _installed = keyring
    return keyring


def current_keyring() -> Keyring:
    """The process's keyring, loaded from the process settings on first use."""
    global _installed
    with _install_lock:
        if _installed is None:
            _installed = load_keyring(get_settings())
        return _installed


@contextmanager
def use_keyring(keyring: Keyring) -> Iterator[None]:
    """Make ``keyring`` the process's keyring inside the block (tests, one-off tools)."""
    global _installed
    with _install_lock:
        previous, _installed = _installed, keyring
    try:
        yield
    finally:
        with _install_lock:
            _installed = previous


def ephemeral_keyring() -> LocalKeyring:
    """A keyring of fresh random keys held in memory only (tests, throw-away tools)."""
    return LocalKeyring(
        KeyMaterial(
            keks={1: secrets.token_bytes(KEY_BYTES)},
            active=1,
            blind_index_key=secrets.token_bytes(KEY_BYTES),
        )
    )
