"""Webex-style API errors: JSON {"message", "errors": [{"description"}], "trackingId"}."""
import uuid


class WebexError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def new_tracking_id() -> str:
    return f"ROUTER_{uuid.uuid4().hex[:8].upper()}-LOCALWEBEX"


def error_body(message: str, tracking_id: str | None = None) -> dict:
    return {
        "message": message,
        "errors": [{"description": message}],
        "trackingId": tracking_id or new_tracking_id(),
    }


def bad_request(message: str) -> WebexError:
    return WebexError(400, message)


def not_found(message: str = "The requested resource could not be found.") -> WebexError:
    return WebexError(404, message)


def forbidden(message: str) -> WebexError:
    return WebexError(403, message)
