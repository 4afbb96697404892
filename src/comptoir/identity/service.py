"""Staff users and roles: creation, role assignment, location restrictions, and the principal a
signed-in user acts as."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from comptoir.identity.models import Role, StaffSession, StaffUser, UserLocation, UserRole
from comptoir.identity.passwords import check_policy, hash_password
from comptoir.identity.scopes import BUILTIN_ROLES, MFA_ROLES, STAFF_SCOPES
from comptoir.kit import clock
from comptoir.kit.crypto.columns import blind_index
from comptoir.kit.errors import Conflict, InvalidInput, NotFound
from comptoir.kit.http.access import Principal
from comptoir.kit.i18n import lazy_gettext as _l

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class EmailTaken(Conflict):
    slug = "email-taken"
    title = _l("A staff user already has this e-mail address.")


class StaffUserNotFound(NotFound):
    slug = "staff-user-not-found"
    title = _l("This staff user does not exist.")


class UnknownScope(InvalidInput):
    slug = "unknown-scope"
    title = _l("This scope does not exist.")


def email_key(email: str) -> str:
    """The form e-mail addresses are compared in: NFKC, trimmed, case-folded."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def ensure_builtin_roles(session: Session) -> dict[str, Role]:
    """Create the built-in roles that are missing and refresh their scopes from the code;
    returns every built-in role by key. Idempotent."""
    existing = {
        role.key: role
        for role in session.scalars(select(Role).where(Role.key.in_(list(BUILTIN_ROLES))))
    }
    for key, builtin in BUILTIN_ROLES.items():
        scopes = sorted(builtin.scopes)
        role = existing.get(key)
        if role is None:
            role = Role(key=key, name=str(builtin.name), is_builtin=True, scopes=scopes)
            session.add(role)
            existing[key] = role
        elif role.scopes != scopes:
            role.scopes = scopes
    session.flush()
    return existing


def create_role(session: Session, *, name: str, scopes: Iterable[str]) -> Role:
    """A custom role with ``scopes``. Raises :class:`UnknownScope` for a scope outside the
    staff catalogue (the ``store:*`` scopes belong to channel keys and shoppers) and
    :class:`InvalidInput` for an empty name."""
    name = name.strip()
    if not name:
        raise InvalidInput(_l("Enter a name for the role."), field="name")
    chosen = sorted(set(scopes))
    for scope in chosen:
        if scope not in STAFF_SCOPES:
            raise UnknownScope(field="scopes")
    role = Role(key=f"custom-{uuid.uuid4().hex[:12]}", name=name, is_builtin=False, scopes=chosen)
    session.add(role)
    session.flush()
    return role


def list_roles(session: Session) -> list[Role]:
    """Every role: built-in ones first (in the catalogue's order), then custom ones by name."""
    roles = list(session.scalars(select(Role)))
    order = {key: index for index, key in enumerate(BUILTIN_ROLES)}
    return sorted(roles, key=lambda role: (order.get(role.key, len(order)), role.name.casefold()))


def role_choices(session: Session) -> list[tuple[str, str]]:
    """``(key, name)`` of every role a user can be given: the built-in ones (named in the
    current language), then the custom ones by name."""
    custom = session.scalars(select(Role).where(Role.is_builtin.is_(False)))
    return [(key, str(role.name)) for key, role in BUILTIN_ROLES.items()] + sorted(
        ((role.key, role.name) for role in custom), key=lambda item: item[1].casefold()
    )


def role_scopes(session: Session) -> list[tuple[str, str, list[str]]]:
    """``(key, name, scopes)`` of every role, built-in ones first."""
    builtin = [(k, str(r.name), sorted(r.scopes)) for k, r in BUILTIN_ROLES.items()]
    custom = session.scalars(select(Role).where(Role.is_builtin.is_(False)))
    return builtin + sorted(
        ((role.key, role.name, sorted(str(s) for s in role.scopes)) for role in custom),
        key=lambda item: item[1].casefold(),
    )


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    password: str,
    role_keys: Iterable[str] = (),
    locale: str = "fr",
    location_ids: Iterable[uuid.UUID] = (),
) -> StaffUser:
    """A new active staff user with ``role_keys``.

    Raises :class:`InvalidInput` for a malformed e-mail or empty name,
    :class:`~comptoir.identity.passwords.PasswordRejected` for a password outside the policy,
    :class:`EmailTaken` when another user has the same address (any case), and
    :class:`InvalidInput` for an unknown role.
    """
    email = unicodedata.normalize("NFKC", email).strip()
    if not _EMAIL.match(email):
        raise InvalidInput(_l("Enter an e-mail address like name@example.com."), field="email")
    if not display_name.strip():
        raise InvalidInput(_l("Enter a name."), field="display_name")
    normalised = check_policy(password)
    if find_user_by_email(session, email) is not None:
        raise EmailTaken(field="email")
    user = StaffUser(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(normalised),
        locale=locale if locale in ("fr", "en") else "fr",
        password_changed_at=clock.now(),
    )
    session.add(user)
    session.flush()
    set_roles(session, user.id, role_keys)
    set_locations(session, user.id, location_ids)
    return user


def find_user_by_email(session: Session, email: str) -> StaffUser | None:
    """The user with this e-mail address (any case), or ``None``: looked up through the
    address's blind index, since the address itself is stored encrypted."""
    # The same form create_user stores; the blind index then ignores case.
    digest = blind_index(StaffUser.email_index, unicodedata.normalize("NFKC", email).strip())
    return session.scalars(select(StaffUser).where(StaffUser.email_index == digest)).first()


def get_user(session: Session, user_id: uuid.UUID) -> StaffUser:
    """The user ``user_id``; raises :class:`StaffUserNotFound`."""
    user = session.get(StaffUser, user_id)
    if user is None:
        raise StaffUserNotFound()
    return user


def list_users(session: Session) -> list[StaffUser]:
    """Every staff user, by e-mail address (sorted once decrypted; a user whose data was
    erased comes last)."""
    users = session.scalars(select(StaffUser)).all()
    return sorted(users, key=lambda user: (user.email is None, email_key(user.email or "")))


def set_roles(session: Session, user_id: uuid.UUID, role_keys: Iterable[str]) -> None:
    """Make ``role_keys`` the user's roles (replacing the others) and end the user's sessions'
    current privileges: they are rotated at the next request. Raises :class:`InvalidInput` for
    an unknown role key."""
    keys = set(role_keys)
    roles = list(session.scalars(select(Role).where(Role.key.in_(keys)))) if keys else []
    if len(roles) != len(keys):
        ensure_builtin_roles(session)
        roles = list(session.scalars(select(Role).where(Role.key.in_(keys)))) if keys else []
    if len(roles) != len(keys):
        raise InvalidInput(_l("This role does not exist."), field="roles")
    session.execute(delete(UserRole).where(UserRole.user_id == user_id))
    session.add_all(UserRole(user_id=user_id, role_id=role.id) for role in roles)
    session.flush()


def set_locations(session: Session, user_id: uuid.UUID, location_ids: Iterable[uuid.UUID]) -> None:
    """Restrict the user to ``location_ids`` (none: every location)."""
    session.execute(delete(UserLocation).where(UserLocation.user_id == user_id))
    session.add_all(UserLocation(user_id=user_id, location_id=lid) for lid in set(location_ids))
    session.flush()


def role_keys_of(session: Session, user_id: uuid.UUID) -> list[str]:
    """The keys of the user's roles."""
    stmt = select(Role.key).join(UserRole, UserRole.role_id == Role.id)
    return sorted(session.scalars(stmt.where(UserRole.user_id == user_id)))


def scopes_of(session: Session, user_id: uuid.UUID) -> frozenset[str]:
    """The union of the scopes of the user's roles (built-in roles: from the code)."""
    stmt = select(Role).join(UserRole, UserRole.role_id == Role.id)
    scopes: set[str] = set()
    for role in session.scalars(stmt.where(UserRole.user_id == user_id)):
        builtin = BUILTIN_ROLES.get(role.key) if role.is_builtin else None
        scopes.update(builtin.scopes if builtin is not None else (str(s) for s in role.scopes))
    return frozenset(scopes)


def locations_of(session: Session, user_id: uuid.UUID) -> frozenset[uuid.UUID] | None:
    """The locations the user is restricted to, or ``None`` for every location."""
    stmt = select(UserLocation.location_id).where(UserLocation.user_id == user_id)
    locations = frozenset(session.scalars(stmt))
    return locations or None


def requires_mfa(session: Session, user_id: uuid.UUID, *, for_everyone: bool = False) -> bool:
    """Whether the user must use two-step verification: always with the owner, administrator
    or accountant role; for every user when the shop's policy says so."""
    return for_everyone or bool(MFA_ROLES.intersection(role_keys_of(session, user_id)))


def principal_for(session: Session, user: StaffUser, staff_session: StaffSession) -> Principal:
    """The principal ``user`` acts as through ``staff_session``: kind ``staff``, the union of
    the roles' scopes, the location restriction. ``extra`` holds ``session_id`` and
    ``authenticated_at`` (for step-up checks)."""
    return Principal(
        kind="staff",
        id=user.id,
        scopes=scopes_of(session, user.id),
        display_name=user.display_name,
        location_ids=locations_of(session, user.id),
        extra={
            "session_id": staff_session.id,
            "authenticated_at": staff_session.authenticated_at,
            "email": user.email,
        },
    )


def set_active(session: Session, user_id: uuid.UUID, *, is_active: bool) -> None:
    """Activate or deactivate the user; deactivating ends every session of theirs."""
    now = clock.now()
    session.execute(
        update(StaffUser).where(StaffUser.id == user_id).values(is_active=is_active, updated_at=now)
    )
    if not is_active:
        revoke_user_sessions(session, user_id)


def unlock(session: Session, user_id: uuid.UUID) -> None:
    """Clear the user's failed sign-in count and lock."""
    session.execute(
        update(StaffUser)
        .where(StaffUser.id == user_id)
        .values(failed_logins=0, locked_until=None, updated_at=clock.now())
    )


def revoke_user_sessions(
    session: Session, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> int:
    """End every open session of the user (but ``keep``); returns how many."""
    stmt = update(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(StaffSession.id != keep)
    result = session.execute(stmt.values(revoked_at=clock.now()))
    return int(getattr(result, "rowcount", 0))


def display_names(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of the staff users ``user_ids`` (decrypted; an erased user has none)."""
    ids = set(user_ids)
    if not ids:
        return {}
    users = session.scalars(select(StaffUser).where(StaffUser.id.in_(ids)))
    return {user.id: user.display_name for user in users if user.display_name}


def ids_named_like(session: Session, text: str) -> list[uuid.UUID]:
    """The staff users whose name or e-mail address contains ``text`` (any case). Both are
    encrypted, so this reads every user: fine for a shop's staff, not for customers."""
    needle = text.strip().casefold()
    if not needle:
        return []
    return [
        user.id
        for user in session.scalars(select(StaffUser))
        if needle in (user.display_name or "").casefold() or needle in (user.email or "").casefold()
    ]
