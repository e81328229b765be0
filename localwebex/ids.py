"""Webex-style IDs: base64url (no padding) of `ciscospark://us/<KIND>/<uuid4>`."""
import base64
import binascii
import uuid

KINDS = (
    "PEOPLE", "ROOM", "MESSAGE", "ATTACHMENT_ACTION", "WEBHOOK",
    "MEMBERSHIP", "ORGANIZATION", "APPLICATION",
)
_PREFIX = "ciscospark://us/"


def make_id(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown id kind {kind!r}")
    raw = f"{_PREFIX}{kind}/{uuid.uuid4()}".encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_id(webex_id: str) -> tuple[str, str] | None:
    """Return (kind, uuid) or None when the string is not a Webex-style ID."""
    try:
        padded = webex_id + "=" * (-len(webex_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not raw.startswith(_PREFIX):
        return None
    kind, _, rest = raw[len(_PREFIX):].partition("/")
    return (kind, rest) if kind in KINDS and rest else None
