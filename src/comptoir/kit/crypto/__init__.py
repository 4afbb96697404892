"""Envelope encryption of personal data: AES-256-GCM field ciphertexts under one data key per
data subject, data keys wrapped by versioned key-encryption keys, HMAC blind indexes for
lookups, and crypto-shredding. See docs/security.md."""

from comptoir.kit.crypto.blind_index import (
    compute_blind_index,
    normalise_email,
    normalise_phone,
)
from comptoir.kit.crypto.cipher import CiphertextError, FieldContext, decrypt_field, encrypt_field
from comptoir.kit.crypto.columns import (
    Ciphertext,
    CleartextRefused,
    EncryptedType,
    SealedStr,
    blind_index,
    blind_index_column,
    encrypted_column,
    is_erased,
)
from comptoir.kit.crypto.keyring import (
    KeyEncryptionKeyProvider,
    Keyring,
    KeyringError,
    LocalKeyring,
    current_keyring,
    install_keyring,
    load_keyring,
    use_keyring,
)
from comptoir.kit.crypto.service import (
    SubjectKeyDestroyed,
    destroy_subject_key,
    key_status,
    rewrap_batch,
)

__all__ = [
    "Ciphertext",
    "CiphertextError",
    "CleartextRefused",
    "EncryptedType",
    "FieldContext",
    "KeyEncryptionKeyProvider",
    "Keyring",
    "KeyringError",
    "LocalKeyring",
    "SealedStr",
    "SubjectKeyDestroyed",
    "blind_index",
    "blind_index_column",
    "compute_blind_index",
    "current_keyring",
    "decrypt_field",
    "destroy_subject_key",
    "encrypt_field",
    "encrypted_column",
    "install_keyring",
    "is_erased",
    "key_status",
    "load_keyring",
    "normalise_email",
    "normalise_phone",
    "rewrap_batch",
    "use_keyring",
]
