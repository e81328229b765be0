"""The one place that turns an adaptivecardbuilder card into the JSON Webex takes."""
from __future__ import annotations

import asyncio

from adaptivecardbuilder import ActionSubmit, AdaptiveCard

from bot.conversation.catalog import BUTTONS

CARD_VERSION = "1.3"  # the newest version Webex renders
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def to_dict(card: AdaptiveCard) -> dict:
    # adaptivecardbuilder's to_dict is async only because it can call a translation
    # service; without one it never awaits, so drive the coroutine to its end here.
    coroutine = card.to_dict(version=CARD_VERSION, schema=SCHEMA)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return _webex_shape(done.value)
    coroutine.close()
    return _webex_shape(asyncio.run(card.to_dict(version=CARD_VERSION, schema=SCHEMA)))


def _webex_shape(content: dict) -> dict:
    """Fix the library's two departures from the schema: `schema` is `$schema`, and a Fact has no `type`."""
    content["$schema"] = content.pop("schema", SCHEMA)
    _drop_fact_types(content)
    return content


def _drop_fact_types(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "FactSet":
            for fact in node.get("facts", []):
                fact.pop("type", None)
        for value in node.values():
            _drop_fact_types(value)
    elif isinstance(node, list):
        for value in node:
            _drop_fact_types(value)


def button(title: str, action: str, owner: str, style: str | None = None, needs_inputs: bool = True,
           **data) -> ActionSubmit:
    """A submit button that says what it does and whose card it is. One that `needs_inputs=False` sends
    none of the card's inputs, so they are not checked (Adaptive Cards 1.3 associatedInputs)."""
    extra = {"style": style} if style else {}
    if not needs_inputs:
        extra["associatedInputs"] = "none"
    return ActionSubmit(title=title, data={"action": action, "owner": owner, **data}, **extra)


def command_button(action: str, owner: str, title: str = "", needs_inputs: bool = True, **data) -> ActionSubmit:
    """The catalog's button for a command (its title and style), unless a title is given."""
    declared = BUTTONS[action]
    return button(title or declared.title, action, owner, style=declared.style, needs_inputs=needs_inputs, **data)
