"""Steps between parsing and the handler, bolt-style: each takes a command and returns one.

Pure: the worker passes in the clock and the facts it looked up.
"""
from __future__ import annotations

from dataclasses import replace

from bot.conversation import commands as c
from bot.conversation.card_tokens import verify
from bot.conversation.catalog import PHONE_AUDIO_COMMANDS


def mark_age(command: c.Command, now: float, late_reply_seconds: float, dialout_max_age_seconds: float) -> c.Command:
    """A dial-out that waited too long is never placed; other late answers say they are late."""
    received = command.origin.received_at
    if not received:
        return command
    age = max(now - received, 0.0)
    if isinstance(command, c.DialOut) and command.number and age > dialout_max_age_seconds:
        return c.StaleDialOut(origin=command.origin, number=command.number, waited_seconds=age)
    if age > late_reply_seconds:
        return replace(command, origin=replace(command.origin, late_seconds=age))
    return command


def mark_agents(command: c.Command, agents_alive: bool) -> c.Command:
    if agents_alive or not isinstance(command, PHONE_AUDIO_COMMANDS):
        return command
    return replace(command, origin=replace(command.origin, agents_available=False))


def needs_agent_status(command: c.Command) -> bool:
    return isinstance(command, PHONE_AUDIO_COMMANDS)


def verify_card(command: c.Command, key: bytes, now: float) -> c.Command:
    """A press must carry a genuine, unexpired token made for this presser."""
    claims = command.origin.card
    if claims is None or isinstance(command, c.ForeignCard):
        return command
    problem = verify(key, command.origin.person_id, claims, now)
    if problem is None:
        return command
    reason = "a moment that has passed" if problem == "expired" else "someone or something else"
    return c.StaleCard(origin=command.origin, reason=reason)
