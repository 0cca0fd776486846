"""Password hashing, in one place: scrypt in werkzeug's format ("scrypt:32768:8:1$salt$hash"), as stored in
``users.password_hash``.

werkzeug.security is plain hashlib and hmac (no HTTP, no request): the one werkzeug import below the views,
allowed by name in the architecture contract (pyproject.toml) rather than re-implementing the stored format.
"""
from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    """Constant-time comparison of ``password`` with a stored hash."""
    return check_password_hash(stored_hash, password)
