"""Single values of a catalogue, parsed or checked: phones (Polish numbers, short numbers),
age ranges, web addresses and e-mail addresses."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import shortnumberinfo

from catalog.model import MAX_AGE, AgeRange, Phone


@lru_cache(maxsize=16384)
def parse_phone(text: str) -> Phone | str:
    """A Polish or international number, or a Polish short number (112, 116 111, 19524).

    Returns the phone, or the message key of what is wrong with it.
    """
    digits = re.sub(r"[\s\-./()]", "", text)
    if re.fullmatch(r"\d{3,6}", digits):
        number = phonenumbers.parse(digits, "PL")
        if shortnumberinfo.is_valid_short_number_for_region(number, "PL"):
            display = f"{digits[:3]} {digits[3:]}" if len(digits) == 6 else digits
            return Phone(written=text, dial=digits, display=display)
    try:
        number = phonenumbers.parse(text, "PL")
    except phonenumbers.NumberParseException:
        return "catalog.bad_phone"
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        return "catalog.phone_too_short"
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        return "catalog.phone_too_long"
    if not phonenumbers.is_valid_number(number):
        return "catalog.bad_phone"
    return Phone(
        written=text,
        dial=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


_AGES = re.compile(r"(?P<low>\d{1,3})?\s*[-–]\s*(?P<high>\d{1,3})?")


def parse_ages(text: str) -> AgeRange | str:
    """'15-25', '-17', '60-' -> the range, or the message key of what is wrong."""
    found = _AGES.fullmatch(text.strip())
    if found is None or not (found["low"] or found["high"]):
        return "catalog.bad_ages"
    low = int(found["low"]) if found["low"] else None
    high = int(found["high"]) if found["high"] else None
    if any(end is not None and end > MAX_AGE for end in (low, high)):
        return "catalog.bad_ages"
    if low is not None and high is not None and low > high:
        return "catalog.ages_reversed"
    return AgeRange(low=low, high=high)


def is_valid_url(text: str) -> bool:
    """An http(s) address with a host name (no other schemes: no javascript:, no file:)."""
    if any(character.isspace() for character in text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and host is not None and "." in host


# A plain ASCII local part ("gops.mordy", "sekretariat+pomoc"): always valid up to 64 letters.
_PLAIN_LOCAL_PART = re.compile(r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*")


def is_valid_email(text: str) -> bool:
    """A well-formed e-mail address (syntax only: no network look-up).

    The checker is slow (Unicode tables for the domain); a plain address is decided by its
    domain, checked once per domain, so a catalogue of 50,000 addresses at a few hundred
    domains costs a few hundred checks. Anything unusual gets the whole check.
    """
    local, at, domain = text.rpartition("@")
    if (
        at
        and len(local) <= 64
        and len(text) <= 254
        and domain.isascii()
        and _PLAIN_LOCAL_PART.fullmatch(local)
    ):
        return _is_valid_email_domain(domain)
    return _is_valid_email_address(text)


@lru_cache(maxsize=65536)
def _is_valid_email_domain(domain: str) -> bool:
    return _is_valid_email_address(f"a@{domain}")


@lru_cache(maxsize=16384)
def _is_valid_email_address(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
