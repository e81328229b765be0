"""An outgoing Webex message: markdown for clients that show no cards, and at most one card."""
from __future__ import annotations

from dataclasses import dataclass

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_MARKDOWN_BYTES = 7439  # Webex refuses longer message text


@dataclass(frozen=True)
class CardMessage:
    markdown: str
    card: dict | None = None

    def attachments(self) -> list[dict]:
        return [{"contentType": CARD_CONTENT_TYPE, "content": self.card}] if self.card else []
