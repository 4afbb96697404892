"""API shapes of shopper accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from comptoir.customers.schemas import ConsentChoice

# Longer than the policy's maximum, so that the policy (not the parser) explains the refusal.
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


class SignUp(BaseModel):
    """A new account. ``consents``: the consent boxes shown with the form, as the shopper left
    them (unticked by default; only the ticked ones are recorded on the customer)."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password
    consents: list[ConsentChoice] = Field(default_factory=list, max_length=8)


class SignUpAccepted(BaseModel):
    """The answer to every sign-up that passed the checks, whether or not the address already
    had an account: nothing in it (nor in its status) tells. An e-mail goes to the address
    (for a new account, the link to verify it); sign in with the password chosen to get a
    token."""

    email: str


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class EmailVerification(BaseModel):
    """The token of the link e-mailed to the shopper's address."""

    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ShopperOut(BaseModel):
    """The signed-in shopper's own account."""

    id: uuid.UUID
    email: str
    created_at: datetime
    last_login_at: datetime | None
    customer_id: uuid.UUID | None
    # ``null`` until the shopper opens the link e-mailed to her address.
    email_verified_at: datetime | None


class ShopperTokenOut(BaseModel):
    """A shopper token, shown once: send it as ``Authorization: Bearer <access_token>``
    together with the channel key."""

    access_token: str
    token_type: str = "Bearer"
    expires_at: datetime
    shopper: ShopperOut
