"""API shapes of shopper accounts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

# Longer than the policy's maximum, so that the policy (not the parser) explains the refusal.
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


class SignUp(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class ShopperOut(BaseModel):
    """The signed-in shopper's own account."""

    id: uuid.UUID
    email: str
    created_at: datetime
    last_login_at: datetime | None
    customer_id: uuid.UUID | None


class ShopperTokenOut(BaseModel):
    """A shopper token, shown once: send it as ``Authorization: Bearer <access_token>``
    together with the channel key."""

    access_token: str
    token_type: str = "Bearer"
    expires_at: datetime
    shopper: ShopperOut
