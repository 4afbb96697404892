"""identity: staff e-mail, name and TOTP secret encrypted at rest

Revision ID: identity_0002
Revises: identity_0001
Create Date: 2026-11-23 16:10:00

The e-mail address, the name and the TOTP secret of each staff user move to AES-256-GCM
ciphertexts under the user's own data key (``kit.crypto``); the case-folded e-mail lookup key
becomes an HMAC blind index. Existing rows are encrypted here (a data migration, with the
keyring of the process that runs it); going back decrypts them (a user whose key was destroyed
gets a placeholder address and an empty name).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

import comptoir.kit.db.types as ct

revision: str = "identity_0002"
down_revision: str | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("crypto_0001",)  # the data keys

TABLE: Final = "identity_staff_users"
SUBJECT: Final = "staff_user"
FIELDS: Final = ("email", "display_name", "totp_secret")

users = sa.table(
    TABLE,
    sa.column("id", ct.UUIDType(length=16)),
    sa.column("email", sa.String()),
    sa.column("email_key", sa.String()),
    sa.column("display_name", sa.String()),
    sa.column("totp_secret", sa.String()),
    sa.column("email_sealed", sa.LargeBinary()),
    sa.column("display_name_sealed", sa.LargeBinary()),
    sa.column("totp_secret_sealed", sa.LargeBinary()),
    sa.column("email_index", sa.LargeBinary()),
)


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        for name in FIELDS:
            batch.add_column(sa.Column(f"{name}_sealed", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("email_index", sa.LargeBinary(length=32), nullable=True))
    _encrypt_rows()
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint("uq_identity_staff_users_email_key", type_="unique")
        for name in (*FIELDS, "email_key"):
            batch.drop_column(name)
    with op.batch_alter_table(TABLE) as batch:
        for name in FIELDS:
            batch.alter_column(f"{name}_sealed", new_column_name=name)
        batch.create_index("ix_identity_staff_users_email_index", ["email_index"], unique=True)


def _encrypt_rows() -> None:
    from comptoir.kit.crypto.blind_index import compute_blind_index
    from comptoir.kit.crypto.cipher import FieldContext, encrypt_field
    from comptoir.kit.crypto.keyring import current_keyring
    from comptoir.kit.crypto.service import data_key_for_writing

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.email, users.c.display_name, users.c.totp_secret)
    ).all()
    if not rows:
        return
    keyring = current_keyring()
    session = Session(bind=connection)
    try:
        for row in rows:
            user_id: uuid.UUID = row.id
            key = data_key_for_writing(session, SUBJECT, user_id)
            values: dict[str, Any] = {
                "email_index": compute_blind_index(keyring.blind_index_key, "email", row.email)
            }
            for name in FIELDS:
                plain = getattr(row, name)
                values[f"{name}_sealed"] = (
                    None
                    if plain is None
                    else encrypt_field(
                        key.key, key.version, FieldContext(TABLE, name, user_id), plain.encode()
                    )
                )
            session.execute(users.update().where(users.c.id == user_id).values(**values))
        session.flush()
    finally:
        session.close()


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_index("ix_identity_staff_users_email_index")
        for name in FIELDS:
            batch.alter_column(name, new_column_name=f"{name}_sealed")
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("email_key", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("display_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
    _decrypt_rows()
    with op.batch_alter_table(TABLE) as batch:
        for name in FIELDS:
            batch.drop_column(f"{name}_sealed")
        batch.drop_column("email_index")
        batch.alter_column("email", existing_type=sa.String(length=320), nullable=False)
        batch.alter_column("email_key", existing_type=sa.String(length=320), nullable=False)
        batch.alter_column("display_name", existing_type=sa.String(length=200), nullable=False)
        batch.create_unique_constraint("uq_identity_staff_users_email_key", ["email_key"])


def _decrypt_rows() -> None:
    import unicodedata

    from comptoir.kit.crypto.cipher import FieldContext, decrypt_field, key_version_of
    from comptoir.kit.crypto.service import data_key_for_reading

    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            users.c.id,
            users.c.email_sealed,
            users.c.display_name_sealed,
            users.c.totp_secret_sealed,
        )
    ).all()
    if not rows:
        return
    session = Session(bind=connection)
    try:
        for row in rows:
            user_id: uuid.UUID = row.id
            plain: dict[str, str | None] = {}
            for name in FIELDS:
                sealed = getattr(row, f"{name}_sealed")
                key = (
                    None
                    if sealed is None
                    else data_key_for_reading(session, SUBJECT, user_id, key_version_of(sealed))
                )
                plain[name] = (
                    None
                    if sealed is None or key is None
                    else decrypt_field(key, FieldContext(TABLE, name, user_id), sealed).decode()
                )
            email = plain["email"] or f"erased-{user_id.hex}@invalid"
            session.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(
                    email=email,
                    email_key=unicodedata.normalize("NFKC", email).strip().casefold(),
                    display_name=plain["display_name"] or "",
                    totp_secret=plain["totp_secret"],
                )
            )
        session.flush()
    finally:
        session.close()
