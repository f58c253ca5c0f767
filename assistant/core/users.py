"""Who is asking: users, their role and attributes, and how each of them proves it.

Users live in a TOML file named by the `users_file` setting. Without one there are no users
and every surface runs as an anonymous demo with the whole layer visible (and says so).

    [users.li_wei]
    display_name = "Li Wei"
    role = "plant_manager"              # a role of the layer's `access` section
    password = "pbkdf2_sha256$..."      # `factory-assistant users hash-password`
    slack = ["U0123ABC"]                # chat identities that are this user
    feishu = ["ou_4f2..."]
    api_tokens = ["sha256$9f86d0..."]   # `factory-assistant users new-token`: only the hash is kept
    [users.li_wei.attributes]
    plant_id = "NB"                     # what the role's row filters read ({user.plant_id})

Passwords are PBKDF2-SHA256 (hashlib) with a per-user salt; API tokens are random and stored
as their SHA-256 (a token is already high-entropy, so a slow hash buys nothing). Neither a
password nor a token is ever logged or put into an error message.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.errors import ConfigError

__all__ = ["IDENTITY_KINDS", "User", "Users", "hash_password", "hash_token", "load_users", "new_token",
           "verify_password"]

IDENTITY_KINDS = ("email", "slack", "feishu", "dingtalk", "wecom", "teams")  # email: OIDC sign-in
_ITERATIONS = 240_000
_KNOWN_KEYS = {"display_name", "role", "password", "api_tokens", "attributes", *IDENTITY_KINDS}


@dataclass(frozen=True)
class User:
    """One person (or service) and what the layer's role for them needs to know."""

    name: str
    role: str
    attributes: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    display_name: str = ""
    password_hash: str | None = field(default=None, repr=False)
    token_hashes: tuple[str, ...] = field(default=(), repr=False)
    identities: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.name

    def scope_key(self) -> tuple[str, tuple[tuple[str, Any], ...]]:
        """Users with the same role and attributes see the same data (caches are shared by this)."""
        return self.role, tuple(sorted(self.attributes.items()))


class Users:
    """The users of one deployment, looked up by name, chat identity or API token."""

    def __init__(self, users: Mapping[str, User], source: str = "") -> None:
        self._users = dict(users)
        self.source = source

    def __len__(self) -> int:
        return len(self._users)

    def __iter__(self) -> Any:
        return iter(self._users.values())

    def get(self, name: str) -> User | None:
        return self._users.get(name)

    def by_identity(self, kind: str, value: str) -> User | None:
        """The user a chat identity (a Slack user id, a Feishu open id, ...) belongs to."""
        return next((u for u in self._users.values() if value in u.identities.get(kind, ())), None)

    def by_token(self, token: str) -> User | None:
        """The user an API token belongs to; every stored hash is compared in constant time."""
        digest = hash_token(token)
        found = None
        for user in self._users.values():
            for stored in user.token_hashes:
                if hmac.compare_digest(stored, digest):
                    found = user
        return found

    def sign_in(self, name: str, password: str) -> User | None:
        """The user when the password matches; None for an unknown name or a wrong password."""
        user = self._users.get(name.strip())
        if user is None or not user.password_hash:
            verify_password(password, _DUMMY_HASH)  # the same work either way: no timing hint
            return None
        return user if verify_password(password, user.password_hash) else None


def hash_password(password: str, *, salt: str | None = None, iterations: int = _ITERATIONS) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, expected = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), int(iterations))
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def new_token() -> str:
    return "fa_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return "sha256$" + hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# Checked against when the name is unknown, so that a miss costs the same pbkdf2 run as a wrong
# password. It needs the work, not a real digest: computing one here cost every import 0.1 s.
_DUMMY_HASH = f"pbkdf2_sha256${_ITERATIONS}${'0' * 32}${'0' * 64}"


def load_users(path: str | Path | None) -> Users | None:
    """The users in `path`, or None when no users file is configured (anonymous demo mode)."""
    if not path:
        return None
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The users file {file} does not exist.",
                          suggestion="Create it (see the README's 'Users and access') or unset FA_USERS.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The users file {file} is not valid TOML: {exc}.") from None
    table = data.get("users")
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"The users file {file} has no [users.<name>] entries.",
                          suggestion="Add at least one user, or unset FA_USERS for the anonymous demo.")
    return Users({name: _user(name, entry, file) for name, entry in table.items()}, source=str(file))


def _user(name: str, entry: Any, file: Path) -> User:
    where = f"{file.name}: users.{name}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table.")
    unknown = set(entry) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}.",
                          suggestion=f"Known keys: {', '.join(sorted(_KNOWN_KEYS))}.")
    role = entry.get("role")
    if not isinstance(role, str) or not role:
        raise ConfigError(f"{where} has no role.", suggestion="Set role = \"<a role of the layer's access section>\".")
    attributes: dict[str, str | tuple[str, ...]] = {}
    for key, value in dict(entry.get("attributes") or {}).items():
        attributes[key] = tuple(str(v) for v in value) if isinstance(value, list) else str(value)
    tokens = entry.get("api_tokens") or []
    if any(not str(t).startswith("sha256$") for t in tokens):
        raise ConfigError(f"{where}.api_tokens must hold hashes (sha256$...), never the tokens themselves.",
                          suggestion="Run `factory-assistant users new-token` and keep only the hash it prints.")
    return User(name=name, role=role, attributes=attributes, display_name=str(entry.get("display_name") or ""),
                password_hash=entry.get("password"), token_hashes=tuple(str(t) for t in tokens),
                identities={k: tuple(str(v) for v in entry.get(k) or ()) for k in IDENTITY_KINDS})
