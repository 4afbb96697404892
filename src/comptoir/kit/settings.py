"""Settings read from ``COMPTOIR_*`` environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATA_DIR = Path("var")


class OidcProviderSettings(BaseModel):
    """An OpenID Connect provider staff may sign in with (Keycloak, Entra ID, Google
    Workspace...): where it is, how Comptoir is registered there, and whom it may sign in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$", description="Short name in URLs.")
    name: str = Field(min_length=1, max_length=80, description="Shown on the sign-in button.")
    issuer: str = Field(min_length=1, description="Issuer URL; discovery is read below it.")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr = SecretStr("")
    scopes: str = "openid email profile"
    link_by_email: bool = Field(
        default=True,
        description="Link a first sign-in to the active staff user with the same e-mail.",
    )
    allowed_domains: list[str] = Field(
        default_factory=list, description="E-mail domains accepted (empty: any)."
    )
    create_users_with_role: str | None = Field(
        default=None,
        description="Create an unknown user with this role on first sign-in (None: refuse).",
    )
    trust_provider_mfa: bool = Field(
        default=False,
        description="Skip Comptoir's code step when the provider asserts MFA (amr or acr).",
    )
    trusted_acr_values: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """Every knob of a Comptoir process. Read once per process by :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="COMPTOIR_", env_file=".env", extra="ignore", frozen=True
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty means a SQLite file in data_dir.",
    )
    database_pool_size: int = Field(
        default=20,
        description=(
            "Connections kept open per process (as many more may open under load). Twice this "
            "should cover the server's 40 worker threads, so a request never waits for a "
            "connection while others wait on its locks."
        ),
    )
    max_concurrent_writes: int = Field(
        default=16,
        description=(
            "Writing requests (POST, PUT, PATCH, DELETE) served at once per process; more wait "
            "their turn. Keep it below the 40 worker threads and the connection pool."
        ),
    )
    database_echo: bool = False
    sqlite_busy_timeout_ms: int = 15_000

    base_url: str = "http://127.0.0.1:8000"
    shopper_verification_url: str = Field(
        default="",
        description="The storefront page that opens the link of a shopper's verification "
        "e-mail; the token is added as the 'token' query parameter. Empty: "
        "base_url + /account/verify-email.",
    )
    demo_storefront: bool = Field(
        default=False,
        description="Serve the demo storefront at /demo-store/ (a static page that sells "
        "through the store API); make demo turns it on. Leave it off in production.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-* headers are trusted (comma-separated, or *).",
    )
    default_locale: Literal["fr", "en"] = "fr"
    timezone: str = "Europe/Paris"
    log_format: Literal["auto", "console", "json"] = "auto"
    log_level: str = "INFO"

    secret_key: str = Field(
        default="change-me-in-production-0123456789abcdef",
        description="Signs cookies (CSRF). Set a long random value in production.",
    )

    session_idle_minutes: int = Field(
        default=30, description="A back-office session ends after this long without a request."
    )
    session_absolute_hours: int = Field(
        default=12, description="A back-office session ends this long after sign-in, whatever."
    )
    mfa_required_for_everyone: bool = Field(
        default=False,
        description="Require two-step verification from every staff user, not only from the "
        "owner, administrator and accountant roles.",
    )

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Comptoir <comptoir@localhost>"

    key_file: Path | None = Field(
        default=None,
        description="Keyring of key-encryption keys (JSON, 0600). Empty: data_dir/keys/kek.json.",
    )
    kek: SecretStr | None = Field(
        default=None,
        description="Key-encryption keys in base64, 'version:key,...'; used instead of key_file.",
    )
    blind_index_key: SecretStr | None = Field(
        default=None, description="Blind-index key in base64, with kek (required then)."
    )

    run_worker_in_process: bool = True
    worker_poll_seconds: float = 0.5
    worker_batch_size: int = 50
    job_lease_seconds: float = 60.0
    job_max_attempts: int = 5
    event_max_attempts: int = 8
    event_lease_seconds: float = 60.0
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 3600.0
    schedule_max_catch_up: int = 100

    idempotency_ttl_hours: int = 24
    idempotency_lock_seconds: float = 60.0

    extra_modules: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Python modules imported at start-up that register tasks or handlers.",
    )
    oauth_issuer: str = Field(
        default="",
        description="Issuer URL of the OAuth 2 / OpenID Connect server (https in production). "
        "Empty: base_url.",
    )
    oidc_providers: list[OidcProviderSettings] = Field(
        default_factory=list,
        description="OpenID Connect providers staff may sign in with (JSON list).",
    )

    @field_validator("extra_modules", mode="before")
    @classmethod
    def _split_modules(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one or the default SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'comptoir.db').resolve()}"

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.environment == "production"
        return self.log_format == "json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
