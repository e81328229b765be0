"""Message markup the way Webex returns it: markdown/html in, html + plain text + mentions out.

Webex renders markdown into `html` (mentions become <spark-mention> tags) and derives `text`,
in which a mention shows as the mentioned name. Only the common markdown subset is handled.
"""
import html as htmllib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable

# Returns a person dict for ("personId", id) or ("personEmail", email), or None.
Resolver = Callable[[str, str], dict | None]

_MENTION_MD = re.compile(r"<@(?:(personId|personEmail):([^|>]+)(?:\|([^>]*))?|(all))>")
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)|(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)")
_CODE = re.compile(r"`([^`]+)`")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


@dataclass
class Rendered:
    html: str
    text: str
    mentioned_people: list[str] = field(default_factory=list)
    mentioned_groups: list[str] = field(default_factory=list)


def _mention_html(person_id: str, name: str) -> str:
    return (f'<spark-mention data-object-type="person" data-object-id="{htmllib.escape(person_id)}">'
            f"{htmllib.escape(name)}</spark-mention>")


_ALL_HTML = '<spark-mention data-object-type="groupMention" data-group-type="all">All</spark-mention>'


def render_markdown(markdown: str, resolve: Resolver) -> Rendered:
    mentions: list[tuple[str, str]] = []  # (html, text) per placeholder
    people: list[str] = []
    groups: list[str] = []

    def take_mention(match: re.Match) -> str:
        kind, value, label, everyone = match.groups()
        if everyone:
            mentions.append((_ALL_HTML, "All"))
            if "all" not in groups:
                groups.append("all")
        else:
            person = resolve(kind, value.strip())
            if person is None:  # unknown people stay plain text, as in Webex
                shown = label or value
                mentions.append((htmllib.escape(shown), shown))
            else:
                shown = label or person["displayName"]
                mentions.append((_mention_html(person["id"], shown), shown))
                if person["id"] not in people:
                    people.append(person["id"])
        return f"\x00{len(mentions) - 1}\x00"

    source = _MENTION_MD.sub(take_mention, markdown)
    html = _blocks_to_html(source)
    html = _PLACEHOLDER.sub(lambda m: mentions[int(m.group(1))][0], html)
    text = _plain(source)
    text = _PLACEHOLDER.sub(lambda m: mentions[int(m.group(1))][1], text)
    return Rendered(html=html, text=text, mentioned_people=people, mentioned_groups=groups)


def _inline(line: str) -> str:
    out = htmllib.escape(line, quote=False)
    out = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", out)
    out = _LINK.sub(lambda m: f'<a href="{m.group(2)}" alt="{m.group(2)}">{m.group(1)}</a>', out)
    out = _BOLD.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", out)
    out = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", out)
    return out


def _blocks_to_html(source: str) -> str:
    parts: list[str] = []
    for block in re.split(r"\n\s*\n", source.strip()):
        lines = block.split("\n")
        if all(_BULLET.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_BULLET.match(line).group(1))}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        elif all(_NUMBERED.match(line) for line in lines):
            items = "".join(f"<li>{_inline(_NUMBERED.match(line).group(1))}</li>" for line in lines)
            parts.append(f"<ol>{items}</ol>")
        else:
            parts.append("<p>" + "<br/>".join(_inline(line) for line in lines) + "</p>")
    return "".join(parts)


def _plain(source: str) -> str:
    out = _CODE.sub(r"\1", source)
    out = _LINK.sub(r"\1", out)
    out = _BOLD.sub(lambda m: m.group(1) or m.group(2), out)
    out = _ITALIC.sub(lambda m: m.group(1) or m.group(2), out)
    return out.strip()


class _HtmlReader(HTMLParser):
    """Collects plain text and spark-mention targets from client-posted html."""

    _BREAKS = {"p", "div", "li", "ul", "ol"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.people: list[str] = []
        self.groups: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "br":
            self.chunks.append("\n")
        elif tag == "spark-mention":
            if attrs.get("data-object-type") == "person" and attrs.get("data-object-id"):
                if attrs["data-object-id"] not in self.people:
                    self.people.append(attrs["data-object-id"])
            elif attrs.get("data-object-type") == "groupMention":
                group = attrs.get("data-group-type", "all")
                if group not in self.groups:
                    self.groups.append(group)

    def handle_endtag(self, tag):
        if tag in self._BREAKS:
            self.chunks.append("\n")

    def handle_data(self, data):
        self.chunks.append(data)


def read_html(html: str) -> Rendered:
    reader = _HtmlReader()
    reader.feed(html)
    reader.close()
    text = re.sub(r"\n{2,}", "\n", "".join(reader.chunks)).strip()
    return Rendered(html=html, text=text, mentioned_people=reader.people,
                    mentioned_groups=reader.groups)
