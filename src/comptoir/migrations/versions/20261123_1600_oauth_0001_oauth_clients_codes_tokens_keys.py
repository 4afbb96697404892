"""oauth: clients, codes, tokens, signing keys

Revision ID: oauth_0001
Revises: identity_0001
Create Date: 2026-11-23 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import comptoir.kit.db.types as ct

revision: str = "oauth_0001"
down_revision: str | None = "identity_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _common() -> list[sa.Column[object]]:
    return [
        sa.Column("id", ct.UUIDType(length=16), nullable=False),
        sa.Column("created_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ct.UTCDateTime(timezone=True), nullable=False),
    ]


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "oauth_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("is_confidential", sa.Boolean(), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("redirect_uris", ct.JSONType(), nullable=False),
        sa.Column("grant_types", ct.JSONType(), nullable=False),
        sa.Column("scopes", ct.JSONType(), nullable=False),
        sa.Column("created_by", ct.UUIDType(length=16), nullable=True),
        sa.Column("revoked_at", ct.UTCDateTime(timezone=True), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_oauth_clients_client_id")),
    )
    op.create_table(
        "oauth_signing_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_jwk", ct.JSONType(), nullable=False),
        sa.Column("private_jwk_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("retired_at", ct.UTCDateTime(timezone=True), nullable=True),
        *_common(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_oauth_signing_keys_kid")),
    )
    op.create_table(
        "oauth_authorization_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("client_pk", ct.UUIDType(length=16), nullable=False),
        sa.Column("user_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("redirect_uri", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("nonce", sa.String(length=255), nullable=True),
        sa.Column("code_challenge", sa.String(length=128), nullable=False),
        sa.Column("code_challenge_method", sa.String(length=8), nullable=False),
        sa.Column("auth_time", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", ct.UTCDateTime(timezone=True), nullable=True),
        *_common(),
        _fk("oauth_authorization_codes", "client_pk", "oauth_clients"),
        _fk("oauth_authorization_codes", "user_id", "identity_staff_users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_authorization_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_oauth_authorization_codes_code_hash")),
    )
    with op.batch_alter_table("oauth_authorization_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_codes_client_pk"), ["client_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_codes_user_id"), ["user_id"], unique=False
        )
    op.create_table(
        "oauth_refresh_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_pk", ct.UUIDType(length=16), nullable=False),
        sa.Column("user_id", ct.UUIDType(length=16), nullable=True),
        sa.Column("family_id", ct.UUIDType(length=16), nullable=False),
        sa.Column("rotated_from", ct.UUIDType(length=16), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("expires_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", ct.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", ct.UTCDateTime(timezone=True), nullable=True),
        *_common(),
        _fk("oauth_refresh_tokens", "client_pk", "oauth_clients"),
        _fk("oauth_refresh_tokens", "user_id", "identity_staff_users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("oauth_refresh_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_oauth_refresh_tokens_family_id", ["family_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oauth_refresh_tokens_client_pk"), ["client_pk"], unique=False
        )
    op.create_table(
        "oauth_access_tokens",
        sa.Column("jti", sa.String(length=64), nullable=False),
        sa.Column("client_pk", ct.UUIDType(length=16), nullable=False),
        sa.Column("user_id", ct.UUIDType(length=16), nullable=True),
        sa.Column("family_id", ct.UUIDType(length=16), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("expires_at", ct.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", ct.UTCDateTime(timezone=True), nullable=True),
        *_common(),
        _fk("oauth_access_tokens", "client_pk", "oauth_clients"),
        _fk("oauth_access_tokens", "user_id", "identity_staff_users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_access_tokens")),
        sa.UniqueConstraint("jti", name=op.f("uq_oauth_access_tokens_jti")),
    )
    with op.batch_alter_table("oauth_access_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_oauth_access_tokens_family_id", ["family_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_oauth_access_tokens_client_pk"), ["client_pk"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_access_tokens_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("oauth_access_tokens")
    op.drop_table("oauth_refresh_tokens")
    op.drop_table("oauth_authorization_codes")
    op.drop_table("oauth_signing_keys")
    op.drop_table("oauth_clients")
