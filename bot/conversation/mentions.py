"""The command a person typed, without the @mention of the bot (group spaces). Pure."""
from __future__ import annotations

from html.parser import HTMLParser


class _MentionStripper(HTMLParser):
    """Keeps the text of a message's HTML, minus the spark-mention of one person."""

    def __init__(self, person_id: str):
        super().__init__(convert_charrefs=True)
        self.person_id = person_id
        self.depth = 0  # >0 while inside the mention being dropped
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "spark-mention" and (self.depth or dict(attrs).get("data-object-id") == self.person_id):
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "spark-mention" and self.depth:
            self.depth -= 1
            self.parts.append(" ")
        elif tag in ("p", "br", "div"):
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def strip_mention(text: str, html: str | None, bot_id: str, bot_names: tuple[str, ...] = ()) -> str:
    """The command a person typed, without the @mention of the bot."""
    if html and "spark-mention" in html:
        stripper = _MentionStripper(bot_id)
        stripper.feed(html)
        stripper.close()
        return " ".join("".join(stripper.parts).split())
    text = (text or "").strip()
    for name in sorted(bot_names, key=len, reverse=True):
        if name and text.lower().startswith(name.lower()):
            return text[len(name) :].lstrip(" ,:")
    return text
