"""Reading, checking, formatting and masking phone numbers, all through `phonenumbers`."""
from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

_PARSE_ERRORS = {
    NumberParseException.INVALID_COUNTRY_CODE: "its country code isn't one I know",
    NumberParseException.NOT_A_NUMBER: "it doesn't look like a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short",
    NumberParseException.TOO_SHORT_NSN: "it is too short",
    NumberParseException.TOO_LONG: "it is too long",
}
_POSSIBILITY_ERRORS = {
    ValidationResult.TOO_SHORT: "it is too short",
    ValidationResult.TOO_LONG: "it is too long",
    ValidationResult.INVALID_LENGTH: "it has the wrong number of digits",
    ValidationResult.INVALID_COUNTRY_CODE: "its country code isn't one I know",
}


@dataclass(frozen=True)
class NumberCheck:
    """A dial-out number: `e164` when it may be called, otherwise `problem` says why not."""

    e164: str | None = None
    problem: str | None = None
    shown: str = ""


def find_number(text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck | None:
    """The phone number in free text, checked; None when the text holds no digits at all."""
    if not any(ch.isdigit() for ch in text):
        return None
    match = next(iter(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)), None)
    if match is None:
        return NumberCheck(problem=_why_unreadable(text, region), shown=text.strip())
    return check_number(match.number, allowed_regions, shown=match.raw_string)


def parse_number(text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck:
    """A number typed on its own (a card input)."""
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return NumberCheck(problem=_PARSE_ERRORS.get(exc.error_type, "I can't read it"), shown=text.strip())
    return check_number(number, allowed_regions, shown=text.strip())


def check_number(number: phonenumbers.PhoneNumber, allowed_regions: tuple[str, ...], shown: str = "") -> NumberCheck:
    shown = shown or format_international(number)
    possibility = phonenumbers.is_possible_number_with_reason(number)
    if possibility in _POSSIBILITY_ERRORS:
        return NumberCheck(problem=_POSSIBILITY_ERRORS[possibility], shown=shown)
    if not phonenumbers.is_valid_number(number):
        return NumberCheck(problem="it isn't a valid phone number", shown=shown)
    if number.extension:
        return NumberCheck(problem="I can't dial extensions; give the direct number", shown=shown)
    region = phonenumbers.region_code_for_number(number)
    if region not in allowed_regions:
        allowed = ", ".join(allowed_regions) or "none"
        return NumberCheck(problem=f"calls to {region or 'that country'} aren't allowed (allowed: {allowed})", shown=shown)
    return NumberCheck(e164=phonenumbers.format_number(number, PhoneNumberFormat.E164), shown=shown)


def _why_unreadable(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return _PARSE_ERRORS.get(exc.error_type, "I can't read it as a phone number")
    return _POSSIBILITY_ERRORS.get(phonenumbers.is_possible_number_with_reason(number), "I can't read it as a phone number")


def format_international(number: phonenumbers.PhoneNumber | str) -> str:
    if isinstance(number, str):
        number = phonenumbers.parse(number, None)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def mask(e164: str | None) -> str:
    """Country code and the last two digits only: safe for logs and group spaces."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return "•••"
    national = str(number.national_number)
    return f"+{number.country_code} {'•' * max(len(national) - 2, 1)}{national[-2:]}"
