"""API shapes of the customers module, and the values its service hands to other modules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

if TYPE_CHECKING:
    from comptoir.customers.models import Customer

CustomerKind = Literal["person", "company"]
CustomerStatus = Literal["active", "merged", "erased"]
Language = Literal["fr", "en"]
ConsentChannel = Literal["email", "sms", "push", "phone"]
ConsentPurpose = Literal["marketing", "profiling"]
Source = Literal["web_shop", "till", "back_office", "import", "marketplace"]

CHANNELS: Final[tuple[ConsentChannel, ...]] = ("email", "sms", "push", "phone")
PURPOSES: Final[tuple[ConsentPurpose, ...]] = ("marketing", "profiling")
SOURCES: Final[tuple[Source, ...]] = ("web_shop", "till", "back_office", "import", "marketplace")

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
GroupCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class AddressIn(BaseModel):
    """A postal address. ``country``: ISO 3166-1 alpha-2 (``FR``)."""

    model_config = ConfigDict(extra="forbid")

    label: Text | None = None
    recipient: Text | None = None
    line1: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    line2: Text | None = None
    postcode: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    country: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)] = "FR"
    is_default_shipping: bool = False
    is_default_billing: bool = False


class AddressUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: Text | None = None
    recipient: Text | None = None
    line1: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    line2: Text | None = None
    postcode: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)] | None
    ) = None
    city: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
        | None
    ) = None
    country: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True)] | None = None
    is_default_shipping: bool | None = None
    is_default_billing: bool | None = None


class AddressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    label: str | None
    recipient: str | None
    line1: str | None
    line2: str | None
    postcode: str | None
    city: str | None
    country: str
    is_default_shipping: bool
    is_default_billing: bool


class CustomerCreate(BaseModel):
    """A new customer. A company needs ``company_name``; e-mail and phone are normalised (phone
    to E.164, national numbers read as French)."""

    model_config = ConfigDict(extra="forbid")

    kind: CustomerKind = "person"
    first_name: Text | None = None
    last_name: Text | None = None
    company_name: Text | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    language: Language = "fr"
    siren: ShortText | None = None
    siret: ShortText | None = None
    vat_number: ShortText | None = None
    groups: list[GroupCode] = Field(default_factory=list, max_length=20)
    addresses: list[AddressIn] = Field(default_factory=list, max_length=20)
    source: Source = "back_office"


class CustomerUpdate(BaseModel):
    """The fields to change; ``null`` clears an optional one, an absent field is kept."""

    model_config = ConfigDict(extra="forbid")

    kind: CustomerKind | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    company_name: Text | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    language: Language | None = None
    siren: ShortText | None = None
    siret: ShortText | None = None
    vat_number: ShortText | None = None
    groups: list[GroupCode] | None = Field(default=None, max_length=20)


class CustomerOut(BaseModel):
    """A customer as the API shows it. Erased fields read ``null`` and ``is_erased`` is true."""

    id: uuid.UUID
    kind: CustomerKind
    status: CustomerStatus
    display_name: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    language: Language
    source: str
    siren: str | None
    siret: str | None
    vat_number: str | None
    vat_checked_at: datetime | None = Field(
        default=None, description="When VIES last checked the VAT number (null: never)."
    )
    vat_check_valid: bool | None = Field(
        default=None,
        description="VIES's answer: registered (true), not registered (false), or null when "
        "VIES could not answer or was not consulted.",
    )
    vat_check_request_identifier: str | None = Field(
        default=None, description="VIES's consultation number, the proof of the check."
    )
    groups: list[str]
    addresses: list[AddressOut]
    merged_into_id: uuid.UUID | None
    is_erased: bool
    created_at: datetime
    updated_at: datetime


class ConsentIn(BaseModel):
    """Record that the customer granted a consent, as shown with ``wording_version``."""

    model_config = ConfigDict(extra="forbid")

    channel: ConsentChannel
    purpose: ConsentPurpose
    wording_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)
    ]
    source: Source = "back_office"


class ConsentChoice(BaseModel):
    """A consent box as the shopper left it when signing up or checking out. Boxes are
    unticked by default: only ``granted: true`` records a consent, as worded by
    ``wording_version``; an unticked or absent box records nothing (and withdraws nothing)."""

    model_config = ConfigDict(extra="forbid")

    channel: ConsentChannel
    purpose: ConsentPurpose
    wording_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)
    ]
    granted: bool = False


class ConsentWithdrawal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: ConsentChannel
    purpose: ConsentPurpose
    source: Source = "back_office"


class ConsentRecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: ConsentChannel
    purpose: ConsentPurpose
    action: Literal["granted", "withdrawn"]
    wording_version: str | None
    source: str
    occurred_at: datetime
    recorded_by: str


class ConsentState(BaseModel):
    """Where a customer stands for one channel and purpose: granted or not, and since when."""

    channel: ConsentChannel
    purpose: ConsentPurpose
    granted: bool
    wording_version: str | None = None
    source: str | None = None
    since: datetime | None = None


class Consents(BaseModel):
    current: list[ConsentState]
    history: list[ConsentRecordOut]


class MergeIn(BaseModel):
    """Merge ``source_id`` into the customer of the path."""

    model_config = ConfigDict(extra="forbid")

    source_id: uuid.UUID


class MergeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    target_id: uuid.UUID
    source_id: uuid.UUID
    merged_at: datetime
    merged_by: str
    unmerged_at: datetime | None
    unmerged_by: str | None


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: GroupCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    priority: int = 0


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    priority: int


class CustomerFilters(BaseModel):
    """``q``: an exact e-mail or phone (through the blind index), or a SIREN/SIRET/VAT."""

    q: str | None = None
    group: str | None = None
    kind: CustomerKind | None = None
    status: CustomerStatus | None = "active"


@dataclass(frozen=True, slots=True)
class ResolvedCustomer:
    """What :func:`resolve_customer` found or made."""

    customer: Customer
    created: bool
