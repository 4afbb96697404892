"""Whether an EU VAT number is registered: the European Commission's VIES, behind a port.

The format and key of a number are checked offline (:mod:`comptoir.customers.identifiers`);
only VIES can say that the number is registered to a business today. Its answer is what the
accountant keeps as proof of an exempt intra-community supply: the date of the check and,
when the shop gives its own VAT number (``COMPTOIR_VIES_REQUESTER_VAT_NUMBER``), the
consultation number VIES hands back.

Adapters (``COMPTOIR_VIES_REGISTRY``):

- ``disabled`` (the default): no network; nothing is checked and nothing is recorded, the
  format check alone decides, as before VIES was wired;
- ``vies``: the VIES REST API (``COMPTOIR_VIES_URL``), each call bounded by
  ``COMPTOIR_VIES_TIMEOUT_SECONDS``. A member state's service being down, VIES refusing
  the load, a timeout or an unreadable answer all give ``valid=None`` (unknown): never an
  exception, never a wait past the timeout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, Protocol

import httpx
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from comptoir.customers.identifiers import compact
from comptoir.kit import clock

VIES_URL: Final = "https://ec.europa.eu/taxation_customs/vies/rest-api/check-vat-number"
# What VIES writes when a member state does not disclose the trader's name or address.
_UNDISCLOSED: Final = frozenset({"", "---"})


class ViesSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="ignore", frozen=True)

    vies_registry: Literal["disabled", "vies"] = Field(
        default="disabled",
        description="Which VAT-number registry to ask: 'vies' (the European Commission's "
        "VIES) or 'disabled' (no check; the format decides) (COMPTOIR_VIES_REGISTRY).",
    )
    vies_url: str = Field(
        default=VIES_URL,
        description="URL of VIES's check-vat-number REST endpoint (COMPTOIR_VIES_URL).",
    )
    vies_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=30,
        description="The longest a VIES check may take; past it the answer is 'unknown' "
        "(COMPTOIR_VIES_TIMEOUT_SECONDS).",
    )
    vies_requester_vat_number: str = Field(
        default="",
        description="The shop's own VAT number, sent as the requester so that VIES returns "
        "a consultation number (COMPTOIR_VIES_REQUESTER_VAT_NUMBER).",
    )


@dataclass(frozen=True, slots=True)
class VatCheck:
    """A registry's answer about one VAT number.

    ``valid``: ``True`` registered, ``False`` not registered, ``None`` unknown (the service
    could not answer). ``request_identifier`` is VIES's consultation number, when it gave
    one.
    """

    valid: bool | None
    name: str | None
    address: str | None
    checked_at: datetime
    request_identifier: str | None


class VatNumberRegistry(Protocol):
    @property
    def is_enabled(self) -> bool:
        """Whether the registry is really consulted (a disabled one checks nothing)."""
        ...

    def check(self, country: str, number: str) -> VatCheck:
        """The registry's answer about ``number`` (without its prefix) of VAT prefix
        ``country``; never raises for a registry that cannot answer (``valid=None``)."""
        ...


class DisabledRegistry:
    """No registry: every answer is 'unknown' and no network is used."""

    is_enabled: bool = False

    def check(self, country: str, number: str) -> VatCheck:
        return VatCheck(None, None, None, clock.now(), None)


def _text(value: object) -> str | None:
    if not isinstance(value, str) or value.strip() in _UNDISCLOSED:
        return None
    return value.strip()


class ViesRegistry:
    """The VIES REST API: ``POST {countryCode, vatNumber}``, answering ``valid``, ``name``,
    ``address``, ``requestDate``, ``requestIdentifier`` and ``userError`` (``VALID``,
    ``INVALID``, or why it could not answer: ``MS_UNAVAILABLE``, ``MS_MAX_CONCURRENT_REQ``,
    ``TIMEOUT``, ``SERVICE_UNAVAILABLE``...)."""

    is_enabled: bool = True

    def __init__(self, url: str, *, timeout: float, requester: str = "") -> None:
        self.url = url
        self.timeout = timeout
        self.requester = compact(requester)

    def _body(self, country: str, number: str) -> dict[str, str]:
        body = {"countryCode": country.upper(), "vatNumber": compact(number)}
        if len(self.requester) > 2:
            body["requesterMemberStateCode"] = self.requester[:2]
            body["requesterNumber"] = self.requester[2:]
        return body

    def check(self, country: str, number: str) -> VatCheck:
        unknown = VatCheck(None, None, None, clock.now(), None)
        try:
            answer = httpx.post(self.url, json=self._body(country, number), timeout=self.timeout)
        except httpx.HTTPError:
            return unknown
        if answer.status_code != 200:
            return unknown
        try:
            data: Any = answer.json()
        except ValueError:
            return unknown
        if not isinstance(data, dict) or not isinstance(data.get("valid"), bool):
            return unknown
        # VIES answers valid=false with a userError when it could not ask the member state.
        if data.get("userError", "VALID" if data["valid"] else "INVALID") not in (
            "VALID",
            "INVALID",
        ):
            return unknown
        if data.get("actionSucceed") is False or data.get("errorWrappers"):
            return unknown
        return VatCheck(
            valid=data["valid"],
            name=_text(data.get("name")),
            address=_text(data.get("address")),
            checked_at=clock.now(),
            request_identifier=_text(data.get("requestIdentifier")),
        )


def vat_number_registry() -> VatNumberRegistry:
    """The registry the settings choose (read from the environment on each call)."""
    settings = ViesSettings()
    if settings.vies_registry == "vies":
        return ViesRegistry(
            settings.vies_url,
            timeout=settings.vies_timeout_seconds,
            requester=settings.vies_requester_vat_number,
        )
    return DisabledRegistry()
