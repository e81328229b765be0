"""Stand-ins for the Webex client and the directory while bot/webex/incoming.py turns an inbox
entry into a Command, so it stays as it is (synchronous, one call per fact) while the worker
fetches each fact asynchronously.

Incoming asks a stand-in for a fact; a fact already fetched for this event is returned; any
other raises NeedFetch, the worker fetches it (overlapping the first fetch with the event's
Redis read), and asks Incoming again. Parsing is pure, so asking again changes nothing.
"""
from __future__ import annotations

from contextvars import ContextVar

_facts: ContextVar[dict] = ContextVar("prefetched_facts")


class NeedFetch(Exception):
    def __init__(self, name: str, args: tuple):
        super().__init__(f"{name}{args}")
        self.name, self.args = name, args


def facts() -> dict:
    return _facts.get()


def begin() -> object:
    """A fresh set of facts for the event the current task is handling; returns a reset token."""
    return _facts.set({})


def end(token) -> None:
    _facts.reset(token)


class _StandIn:
    prefix = ""

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        key = self.prefix + name

        def ask(*args):
            known = facts()
            if (key, args) not in known:
                raise NeedFetch(key, args)
            return known[(key, args)]

        return ask


class PrefetchedWebex(_StandIn):
    """For WebexClient: message(id), attachment_action(id), ..."""


class PrefetchedDirectory(_StandIn):
    """For Directory: person(id), room(id)."""

    prefix = "directory."


class PrefetchedSpaceMeetings(_StandIn):
    """For SpaceMeetings: get(room_id), a group space's own meeting."""

    prefix = "space_meetings."
