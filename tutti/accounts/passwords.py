"""Password hashing (argon2) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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


def policy_errors(password: str, login: str = "") -> list[str]:
    """Return what is wrong with a new password, in French; empty when it is acceptable."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères.")
    if password.strip() != password or not password.strip():
        errors.append("Le mot de passe ne peut pas commencer ni finir par un espace.")
    if login and login.lower() in password.lower():
        errors.append("Le mot de passe ne doit pas contenir l'identifiant.")
    if len(set(password)) < 4:
        errors.append("Le mot de passe est trop simple : variez les caractères.")
    return errors
