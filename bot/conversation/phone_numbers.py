"""Reading, checking, formatting and masking phone numbers, all through `phonenumbers`."""
from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType, ValidationResult

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


# Number types a bot must never call: they cost money or reach the wrong kind of line.
FORBIDDEN_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate numbers",
    PhoneNumberType.SHARED_COST: "shared-cost numbers",
    PhoneNumberType.UAN: "universal access numbers",
    PhoneNumberType.PERSONAL_NUMBER: "personal (forwarding) numbers",
    PhoneNumberType.PAGER: "pagers",
    PhoneNumberType.VOICEMAIL: "voicemail numbers",
}

# Rules, named in replies and in the audit log.
RULE_UNREADABLE = "unreadable"
RULE_INVALID = "invalid"
RULE_EXTENSION = "extension"
RULE_COUNTRY = "country_not_allowed"
RULE_TYPE = "number_type"
RULE_EMERGENCY = "emergency"
RULE_SHORT_CODE = "short_code"


@dataclass(frozen=True)
class NumberCheck:
    """A dial-out number: `e164` when it may be called, otherwise `problem` says why not and
    `rule` names the rule that refused it."""

    e164: str | None = None
    problem: str | None = None
    shown: str = ""
    rule: str = ""


INTERNATIONAL_PREFIXES = ("00", "011")  # most of the world's, and North America's


def find_number(text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck | None:
    """The phone number in free text, checked; None when the text holds no digits at all.
    A number written with another region's international prefix (0044 ..., 011 44 ...) is read
    as international, so a refusal names its country rather than calling it unreadable."""
    if not any(ch.isdigit() for ch in text):
        return None
    return _read_as_international_too(_find_number, text, region, allowed_regions)


def _read_as_international_too(read, text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck:
    """`read` the number as typed; if that fails, with its 00 / 011 prefix read as "+"."""
    check = read(text, region, allowed_regions)
    international = _as_international(text) if check.rule in (RULE_UNREADABLE, RULE_INVALID) else None
    if international is None:
        return check
    again = read(international, region, allowed_regions)
    if again.rule in (RULE_UNREADABLE, RULE_INVALID):
        return check
    return NumberCheck(e164=again.e164, problem=again.problem, shown=text.strip(), rule=again.rule)


def _as_international(text: str) -> str | None:
    """"0044 20 7946 0958" → "+44 20 7946 0958": the written prefix replaced by "+"."""
    stripped = text.strip()
    digits = "".join(ch for ch in stripped if ch.isdigit())
    for prefix in sorted(INTERNATIONAL_PREFIXES, key=len, reverse=True):
        if digits.startswith(prefix) and len(digits) > len(prefix) + 6:
            seen, cut = 0, 0
            while seen < len(prefix):  # drop the prefix's digits, keep how the rest was written
                seen += stripped[cut].isdigit()
                cut += 1
            return "+" + stripped[cut:].lstrip(" -.")
    return None


def _find_number(text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck:
    match = next(iter(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE)), None)
    candidate = match.raw_string if match else text
    refused = _emergency_or_short(candidate, region, allowed_regions)
    if refused:
        return refused
    if match is None:
        return NumberCheck(problem=_why_unreadable(text, region), shown=text.strip(), rule=RULE_UNREADABLE)
    return check_number(match.number, allowed_regions, shown=match.raw_string)


def parse_number(text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck:
    """A number typed on its own (a card input, a profile's number); 0044 ... is read as +44 ..."""
    return _read_as_international_too(_parse_number, text, region, allowed_regions)


def _parse_number(text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck:
    refused = _emergency_or_short(text, region, allowed_regions)
    if refused:
        return refused
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        return NumberCheck(problem=_PARSE_ERRORS.get(exc.error_type, "I can't read it"), shown=text.strip(),
                           rule=RULE_UNREADABLE)
    return check_number(number, allowed_regions, shown=text.strip())


def _emergency_or_short(text: str, region: str, allowed_regions: tuple[str, ...]) -> NumberCheck | None:
    """Emergency numbers and short codes, however they are written (9-1-1, +1 911, 112 ...)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits or len(digits) > 8:
        return None
    candidates = {digits}
    if "+" in text:
        for length in (1, 2, 3):  # +1 911, +44 999, +351 112: the rest after a country code
            if phonenumbers.region_code_for_country_code(int(digits[:length])) != "ZZ":
                candidates.add(digits[length:])
    shown = text.strip()
    for candidate in filter(None, candidates):
        if any(phonenumbers.is_emergency_number(candidate, r) for r in phonenumbers.SUPPORTED_SHORT_REGIONS):
            return NumberCheck(problem="emergency numbers are never called by this bot; dial them yourself",
                               shown=shown, rule=RULE_EMERGENCY)
    for candidate in filter(None, candidates):
        for short_region in {region, *allowed_regions}:
            try:
                short = phonenumbers.parse(candidate, short_region)
            except NumberParseException:
                continue
            if phonenumbers.is_valid_short_number_for_region(short, short_region):
                return NumberCheck(problem="short codes are never called", shown=shown, rule=RULE_SHORT_CODE)
    return None


def check_number(number: phonenumbers.PhoneNumber, allowed_regions: tuple[str, ...], shown: str = "") -> NumberCheck:
    shown = shown or format_international(number)
    regions = phonenumbers.region_codes_for_country_code(number.country_code)
    if regions and not set(regions) & set(allowed_regions):
        return _other_country(number, regions[0], allowed_regions, shown)  # the country decides, whatever the digits
    possibility = phonenumbers.is_possible_number_with_reason(number)
    if possibility in _POSSIBILITY_ERRORS:
        return NumberCheck(problem=_POSSIBILITY_ERRORS[possibility], shown=shown, rule=RULE_INVALID)
    if not phonenumbers.is_valid_number(number):
        return NumberCheck(problem="it isn't a valid phone number", shown=shown, rule=RULE_INVALID)
    if number.extension:
        return NumberCheck(problem="I can't dial extensions; give the direct number", shown=shown, rule=RULE_EXTENSION)
    region = phonenumbers.region_code_for_number(number)
    if region not in allowed_regions:
        return _other_country(number, region, allowed_regions, shown)
    kind = phonenumbers.number_type(number)
    if kind in FORBIDDEN_TYPES:
        return NumberCheck(problem=f"{FORBIDDEN_TYPES[kind]} are never called", shown=shown, rule=RULE_TYPE)
    return NumberCheck(e164=phonenumbers.format_number(number, PhoneNumberFormat.E164), shown=shown)


def _other_country(number: phonenumbers.PhoneNumber, region: str, allowed_regions: tuple[str, ...],
                   shown: str) -> NumberCheck:
    allowed = ", ".join(allowed_regions) or "none"
    example = phonenumbers.example_number(region) if region else None  # names the country of an invalid number too
    from phonenumbers import geocoder  # here: its data takes ~100 MB and 0.6 s, and most processes never need it

    country = geocoder.country_name_for_number(number, "en") or (
        geocoder.country_name_for_number(example, "en") if example else "")
    where = f"{country} ({region})" if country and region else region or "that country"
    return NumberCheck(problem=f"it is a number in {where}, and calls there aren't allowed (allowed: {allowed})",
                       shown=shown, rule=RULE_COUNTRY)


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


def mask_text(text: str) -> str:
    """Any typed text with all but its last two digits hidden: for numbers that did not parse."""
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(digits[:-2])
    return "".join("•" if i in hidden else ch for i, ch in enumerate(text))[:40]
