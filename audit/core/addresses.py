"""E-mail addresses: one checked, normalised address per field (email-validator), or a clear refusal.

The same rule runs when a person's address is saved and again when a message is built, so an
address written into the store by any other way still cannot add a recipient or a header.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from audit.core.errors import AppError
from audit.core.text import control_chars


class AddressError(AppError):
    """Not one usable e-mail address; `.code` says why (params: address, reason)."""

    code = "bad_email"


class AddressHasControls(AddressError):
    code = "bad_email_controls"


class AddressNotOne(AddressError):
    code = "bad_email_many"


@dataclass(frozen=True)
class Address:
    """An address as people read it (`shown`, an IDN domain in Unicode) and as SMTP sends it."""

    shown: str
    smtp: str  # the domain in ASCII (punycode); the local part stays Unicode only if it must
    needs_smtputf8: bool


def visible(text: str) -> str:
    """`text` with control characters spelled out (\\r, \\n, \\x00), for an error message."""
    return "".join(repr(ch)[1:-1] if control_chars(ch) else ch for ch in text)


def check_address(text: str) -> Address:
    """The one address in `text`, normalised (domain in lower case), or AddressError saying why.

    Refused: line breaks or other control characters (a header injection), a second address
    after a comma or semicolon, and anything email-validator does not accept as an address.
    No DNS look-up: deliverability is the mail server's to judge. `.test` domains are allowed
    (RFC 2606; the tests and demo use them); other special-use names (localhost, .invalid) are not.
    """
    raw = text.strip()
    if control_chars(raw):
        raise AddressHasControls(f"{visible(raw)!s} has a line break or control character",
                                 address=visible(raw))
    if "," in raw or ";" in raw:
        raise AddressNotOne(f"{raw} is more than one address; one address per person",
                            address=raw)
    try:
        found = validate_email(raw, check_deliverability=False, test_environment=True)
    except EmailNotValidError as err:
        raise AddressError(f"{raw} is not an e-mail address: {err}", address=raw,
                           reason=str(err)) from err
    shown = found.normalized.lower()
    smtp = (found.ascii_email or found.normalized).lower()
    return Address(shown=shown, smtp=smtp, needs_smtputf8=bool(found.smtputf8))


def normalise_address(text: str) -> str:
    """For saving: "" stays "" (no e-mail); otherwise the checked address as people read it."""
    return check_address(text).shown if text.strip() else ""
