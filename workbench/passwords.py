"""Password hashing with argon2id.

Hashing costs about 0.2 s of CPU by design, so callers in the web app run it in a worker thread.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()


def use_hasher(hasher: PasswordHasher) -> None:
    """Swap the cost parameters (the test suite uses a cheap hasher; production never calls this)."""
    global _hasher
    _hasher = hasher


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash of a random password, verified against when the username is unknown so that a login
# with a wrong username takes as long as one with a wrong password.
def dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-for-timing-only")


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is unacceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if username and username.lower() in password.lower():
        return "Password must not contain the username"
    if len(set(password)) < 5:
        return "Password is too repetitive"
    return None
