"""One rule for email addresses, used by every way in (web forms, staff, Open311, CLI, services).

An address is kept only if mail can really be sent to it: printable ASCII (no SMTPUTF8 needed), one mailbox
(no comma lists, display names or quoting), no line breaks (header injection), a domain with a dot. An
internationalised domain is stored in its ASCII (punycode) form. Because what is stored is ASCII, Python's
``str.lower()`` and PostgreSQL's ``lower()`` fold it identically: ``email_key`` is the one case-folding rule,
and the database's unique index on ``lower(email)`` and its CHECK constraint (migration 0011) agree with it.
"""
from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from .errors import DomainError

MAX_LENGTH = 254
INVALID = "Enter a valid email address. It looks like name@example.com."


class InvalidEmail(DomainError):
    field = "email"


def normalise_email(text: str | None) -> str:
    """The address to store and send to, or InvalidEmail with a message for people."""
    value = (text or "").strip()
    if not value:
        raise InvalidEmail("Enter your email address.")
    if len(value) > MAX_LENGTH:
        raise InvalidEmail(f"An email address has at most {MAX_LENGTH} characters.")
    if not value.isascii() and not value.rpartition("@")[0].isascii():
        raise InvalidEmail("Use an email address with only plain letters, digits and . _ - + before the @: "
                           "we cannot send mail to this one.")
    try:
        # test_environment: addresses under .test (RFC 2606) are allowed, as demos and tests use them; mail
        # to them fails harmlessly. Deliverability (DNS) is not checked here: the outbox learns it.
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False,
                                allow_quoted_local=False, allow_domain_literal=False, allow_display_name=False,
                                test_environment=True)
    except EmailNotValidError:
        raise InvalidEmail(INVALID) from None
    address = result.ascii_email
    if not address or len(address) > MAX_LENGTH or not address.isascii():
        raise InvalidEmail(INVALID)
    return address


def email_key(address: str) -> str:
    """The case-folded form used to compare addresses (same as PostgreSQL's lower() on ASCII)."""
    return address.lower()


def lookup_key(text: str | None) -> str | None:
    """The key of a typed address for looking an account up (log in, reset), or None when no account could
    have it. Never raises: a look-up must answer the same for malformed and unknown addresses."""
    try:
        return email_key(normalise_email(text))
    except InvalidEmail:
        return None
