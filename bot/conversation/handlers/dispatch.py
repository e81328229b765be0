"""The handler registry: one function per command type, registered with @dispatch.register."""
from __future__ import annotations

from functools import singledispatch

from bot.conversation import commands as c
from bot.conversation.effects import Effect
from bot.conversation.session import Session


@singledispatch
def dispatch(command: c.Command, session: Session) -> list[Effect]:
    raise TypeError(f"no handler for {type(command).__name__}")
