"""Who is asking and what they may do: passwords, users, roles, sign-in (counted by
tracker.throttle), API tokens.

No Flask here: the web layer (tracker.web.access, tracker.web.account) and the CLI call these.
Every change is a use case in the services' style: validate, change and audit in one
transaction, commit once; on any error nothing is written. Errors carry a translation key
(`AccountError.key`) so a page can say what was wrong in the reader's language, and an English
message for the CLI and the logs.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from tracker import audit, vocab
from tracker.audit import Actor, Change
from tracker.errors import Forbidden, TooManyAttempts, Unauthorized, ValidationError
from tracker.models import ApiToken, User, utcnow
from tracker.services.base import transaction
from tracker.throttle import Throttle

USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
DISPLAY_NAME_MAX = 200
PASSWORD_MIN = 10
PASSWORD_MAX = 1024  # argon2 hashes any length; a bound keeps a request from costing more
TOKEN_NAME_MAX = 100
TOKEN_PREFIX = "cht_"
TOKEN_BYTES = 32
TOKEN_DISPLAY = 12  # characters of the token kept in clear, to tell tokens apart
TOKEN_TEXT_MAX = 128
TOKEN_TOUCH_SECONDS = 60  # last_used_at is written at most this often per token
TOKENS_PER_USER_MAX = 20

ROLE_RANK = {code: rank for rank, code in enumerate(vocab.codes(vocab.ROLES), 1)}

# The least role each action needs.
ACTIONS: dict[str, str] = {
    "read": "viewer",
    "create": "editor",
    "edit": "editor",
    "record_update": "editor",
    "edit_geometry": "editor",
    "import": "editor",
    "read_audit": "editor",
    "delete": "admin",
    "manage_users": "admin",
}


class AccountError(ValidationError):
    """A bad account input: `key` (+ `params`) names the translation of the message."""

    def __init__(self, message: str, key: str, field: str | None = None, **params: Any):
        super().__init__(message, field=field)
        self.key = key
        self.params = params


# --------------------------------------------------------------------------- roles

def has_role(user: User | None, role: str) -> bool:
    """True when `user` is active and holds `role` or a higher one."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")
    if user is None or not user.active:
        return False
    return ROLE_RANK.get(user.role, 0) >= ROLE_RANK[role]


def can(user: User | None, action: str) -> bool:
    """May `user` do `action`? Anonymous and disabled users may do nothing here (whether
    anonymous people may read is the TRACKER_PUBLIC_READ setting, decided by the web layer)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    return has_role(user, ACTIONS[action])


def require(user: User | None, action: str) -> None:
    """Raise Unauthorized (no user) or Forbidden (a role that may not) unless `can`."""
    if user is None or not user.active:
        raise Unauthorized("sign in first", detail=f"{action} needs a signed-in user")
    if not can(user, action):
        raise Forbidden(f"the role {user.role!r} may not {action.replace('_', ' ')}",
                        detail=f"needs the role {ACTIONS[action]!r}")


# --------------------------------------------------------------------------- passwords

@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    # argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane): about 25 ms
    # on one core, so sign-ins stay cheap for the server yet costly to guess offline
    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(plain: str) -> str:
    return _hasher().hash(plain)


def verify_password(stored: str, plain: str) -> bool:
    try:
        return _hasher().verify(stored, plain)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher().check_needs_rehash(stored)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when no such user exists, so both answers take as long."""
    return hash_password(secrets.token_urlsafe(16))


# --------------------------------------------------------------------------- validation

def normalise_username(raw: str) -> str:
    return (raw or "").strip().lower()


def validate_username(name: str) -> str:
    name = normalise_username(name)
    if not name:
        raise AccountError("username is required", "account.error.username_required",
                           field="username")
    if not USERNAME_RE.fullmatch(name):
        raise AccountError(
            "username: 2 to 64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit",
            "account.error.username_format", field="username")
    return name


def validate_display_name(raw: str) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise AccountError("display name is required", "account.error.display_name_required",
                           field="display_name")
    if len(text) > DISPLAY_NAME_MAX:
        raise AccountError(f"display name: at most {DISPLAY_NAME_MAX} characters",
                           "account.error.display_name_long", field="display_name",
                           max=DISPLAY_NAME_MAX)
    return text


def validate_role(role: str) -> str:
    if role not in ROLE_RANK:
        raise AccountError(f"role must be one of {', '.join(ROLE_RANK)}, got {role!r}",
                           "account.error.role", field="role")
    return role


def validate_password(plain: str) -> str:
    if len(plain or "") < PASSWORD_MIN:
        raise AccountError(f"password: at least {PASSWORD_MIN} characters",
                           "account.error.password_short", field="password", min=PASSWORD_MIN)
    if len(plain) > PASSWORD_MAX:
        raise AccountError(f"password: at most {PASSWORD_MAX} characters",
                           "account.error.password_long", field="password", max=PASSWORD_MAX)
    return plain


def validate_token_name(raw: str) -> str:
    text = " ".join((raw or "").split())
    if not text:
        raise AccountError("a token needs a name", "account.error.token_name_required",
                           field="name")
    if len(text) > TOKEN_NAME_MAX:
        raise AccountError(f"token name: at most {TOKEN_NAME_MAX} characters",
                           "account.error.token_name_long", field="name", max=TOKEN_NAME_MAX)
    return text


# --------------------------------------------------------------------------- users

def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalise_username(username)))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def _user_facts(user: User) -> dict[str, Any]:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "active": bool(user.active)}


def create_user(session: Session, actor: Actor, username: str, display_name: str, role: str,
                password: str) -> User:
    """Add a user (audited); the username is stored lowercase and must be new."""
    name = validate_username(username)
    user = User(username=name, display_name=validate_display_name(display_name or name),
                role=validate_role(role), password_hash="", active=True)
    validate_password(password)
    if get_user(session, name) is not None:
        raise AccountError(f"a user named {name!r} already exists",
                           "account.error.username_taken", field="username", name=name)
    user.password_hash = hash_password(password)
    with transaction(session):
        session.add(user)
        session.flush()
        audit.record(session, actor, "user", f"user {name!r} added as {role}",
                     audit.diff({}, _user_facts(user)))
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True))) or 0


def _keep_an_admin(session: Session, user: User) -> None:
    if user.role == "admin" and user.active and _active_admins(session) <= 1:
        raise AccountError(f"{user.username!r} is the last active admin",
                           "account.error.last_admin", name=user.username)


def set_role(session: Session, actor: Actor, user: User, role: str) -> None:
    role = validate_role(role)
    if role == user.role:
        return
    if role != "admin":
        _keep_an_admin(session, user)
    with transaction(session):
        old = user.role
        user.role = role
        audit.record(session, actor, "user", f"user {user.username!r}: role {old} → {role}",
                     [Change("role", old, role)])


def set_active(session: Session, actor: Actor, user: User, active: bool) -> None:
    """Disable (or enable again) a user; a disabled user's sessions and tokens stop working."""
    if bool(user.active) == active:
        return
    if not active:
        _keep_an_admin(session, user)
    with transaction(session):
        user.active = active
        audit.record(session, actor, "user",
                     f"user {user.username!r} {'enabled' if active else 'disabled'}",
                     [Change("active", not active, active)])


def set_password(session: Session, actor: Actor, user: User, password: str) -> None:
    """A new password; sessions signed in with the old one end (see User.session_stamp)."""
    validate_password(password)
    new_hash = hash_password(password)
    with transaction(session):
        user.password_hash = new_hash
        # the value is never written to the trail, only that it changed
        audit.record(session, actor, "user", f"password of {user.username!r} changed",
                     [Change("password", None, None)])


# --------------------------------------------------------------------------- sign-in

def throttle_keys(username: str, address: str | None) -> list[str]:
    keys = [f"account:{normalise_username(username)[:100]}"]
    if address:
        keys.append(f"address:{address[:100]}")
    return keys


def sign_in(session: Session, throttle: Throttle, username: str, password: str,
            address: str | None, now: datetime | None = None) -> User:
    """The user these credentials name, or Unauthorized (audited, counted) or TooManyAttempts
    (refused before the password is even checked, until the window of failures passes)."""
    now = now or utcnow()
    keys = throttle_keys(username, address)
    wait = throttle.retry_after(session, keys, now)
    if wait:
        raise TooManyAttempts("too many failed sign-ins; try again later", retry_after=wait,
                              detail=f"retry after {wait} s")
    name = normalise_username(username)
    user = get_user(session, name) if name else None
    plain = (password or "")[:PASSWORD_MAX]
    matches = verify_password(user.password_hash if user else _dummy_hash(), plain)
    ok = user is not None and matches and user.active
    with transaction(session):
        if user is not None and ok:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(plain)
            user.last_login_at = now
            throttle.clear(session, keys[:1])
        else:
            throttle.record_failure(session, keys, now)
            audit.record(session, Actor(name or "?", user.id if user else None),
                         "sign_in_failed",
                         f"failed sign-in as {name[:64]!r} from {address or 'unknown address'}",
                         at=now)
    if not ok or user is None:
        raise Unauthorized("wrong username or password")
    return user


# --------------------------------------------------------------------------- API tokens

def _token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`: the row, and the plain token (shown once, never stored)."""
    label = validate_token_name(name)
    if not user.active:
        raise AccountError(f"{user.username!r} is disabled", "account.error.user_disabled",
                           name=user.username)
    live = session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) or 0
    if live >= TOKENS_PER_USER_MAX:
        raise AccountError(f"at most {TOKENS_PER_USER_MAX} tokens per user; revoke one first",
                           "account.error.too_many_tokens", field="name",
                           max=TOKENS_PER_USER_MAX)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(user_id=user.id, name=label, prefix=plain[:TOKEN_DISPLAY],
                     token_hash=_token_hash(plain))
    with transaction(session):
        session.add(token)
        session.flush()
        audit.record(session, actor, "token",
                     f"token {label!r} ({token.prefix}…) created for {user.username!r}",
                     [Change("token", None, token.prefix)])
    return token, plain


def verify_token(session: Session, plain: str, now: datetime | None = None) -> User | None:
    """The active user a live token belongs to, or None. Notes when it was last used (at most
    once a minute, in its own small commit)."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > TOKEN_TEXT_MAX:
        return None
    digest = _token_hash(plain)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = now or utcnow()
    cutoff = now - timedelta(seconds=TOKEN_TOUCH_SECONDS)
    if token.last_used_at is None or token.last_used_at < cutoff:
        with transaction(session):
            session.execute(update(ApiToken).where(
                ApiToken.id == token.id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < cutoff)
            ).values(last_used_at=now).execution_options(synchronize_session=False))
        token.last_used_at = now
    return token.user


def get_token(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def revoke_token(session: Session, by: User, token: ApiToken) -> None:
    """Revoke a token: its owner or an admin may. Revoking twice changes nothing."""
    if token.user_id != by.id and not can(by, "manage_users"):
        raise Forbidden("only the token's owner or an admin may revoke it")
    if token.revoked_at is not None:
        return
    with transaction(session):
        token.revoked_at = utcnow()
        audit.record(session, Actor.of(by), "token",
                     f"token {token.name!r} ({token.prefix}…) of {token.user.username!r} revoked",
                     [Change("revoked_at", None, token.revoked_at)])


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                .order_by(ApiToken.revoked_at.is_not(None),
                                          ApiToken.created_at.desc(), ApiToken.id.desc())))
