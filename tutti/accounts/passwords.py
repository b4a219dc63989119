"""Password hashing (argon2) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tutti.refusals import Refusal, Refused

_hasher = PasswordHasher()
MIN_LENGTH = 10


def set_cost(time_cost: int, memory_cost: int) -> None:
    """Change argon2's cost (the test suite lowers it; hashes stay argon2id and verifiable)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)


def hash_password(password: str) -> str:
    """Return an argon2id hash of the password."""
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Say whether the password matches the hash, without raising."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class PasswordRejected(Refused):
    """A new account or password refused: each rule the password (or the login) breaks is one reason."""


def password_refusals(password: str, login: str = "") -> list[Refusal]:
    """Return each rule a new password breaks; empty when it is acceptable."""
    refusals = []
    if len(password) < MIN_LENGTH:
        refusals.append(Refusal("password_too_short", min=MIN_LENGTH))
    if password.strip() != password or not password.strip():
        refusals.append(Refusal("password_edge_space"))
    if login and login.lower() in password.lower():
        refusals.append(Refusal("password_contains_login"))
    if len(set(password)) < 4:
        refusals.append(Refusal("password_too_simple"))
    return refusals
