"""Chat commands that change nothing: help, not understood, refused, the audit log."""
from __future__ import annotations

from bot.conversation import commands as c
from bot.conversation.catalog import BUTTONS, BY_NAME, HELP
from bot.conversation.effects import Effect
from bot.conversation.handlers.dispatch import dispatch
from bot.conversation.handlers.replies import first_name, reply, text
from bot.conversation.handlers.status import status_facts
from bot.conversation.session import Session
from cards.help import help_card
from cards.markdown import escape
from cards.notice import notice_card
from cards.status import status_card


@dispatch.register
def show_help(command: c.Help, session: Session) -> list[Effect]:
    origin = command.origin
    hello = f"Hi {escape(first_name(origin, session))}! I put your phone into your Webex meeting." \
        if command.greeting else ""
    return reply(origin, help_card(origin.person_id, hello))


@dispatch.register
def thanks(command: c.Thanks, session: Session) -> list[Effect]:
    return text(command.origin, "You're welcome! Say `help` whenever you need me.")


@dispatch.register
def not_understood(command: c.Unknown, session: Session) -> list[Effect]:
    said = escape(command.text, 60) or "that"
    buttons = tuple(dict.fromkeys(a for a in (command.action, HELP) if a in BUTTONS))
    message = notice_card(command.origin.person_id, "I didn't understand that",
                          f'I didn\'t understand "{said}". Did you mean "{command.suggestion}"? '
                          "Nothing was changed.", buttons)
    return reply(command.origin, message)


@dispatch.register
def ambiguous(command: c.Ambiguous, session: Session) -> list[Effect]:
    offers = " or to ".join(BY_NAME[name].offer for name in command.choices)
    message = notice_card(command.origin.person_id, "Which one?",
                          f"Do you want me to {offers}? I didn't do either, so nothing was changed. "
                          "Press one, or say it again on its own.",
                          tuple(name for name in command.choices if name in BUTTONS))
    return reply(command.origin, message)


@dispatch.register
def negated(command: c.Negated, session: Session) -> list[Effect]:
    offers = " or ".join(BY_NAME[name].offer or "do that" for name in command.intents)
    return text(command.origin, f"OK, I won't {offers}. Nothing was changed.")


@dispatch.register
def foreign_card(command: c.ForeignCard, session: Session) -> list[Effect]:
    return text(command.origin, "That card isn't yours, so I did nothing. Say `help` to get your own.")


@dispatch.register
def bad_meeting(command: c.BadMeeting, session: Session) -> list[Effect]:
    return text(command.origin, command.problem)


@dispatch.register
def stale_card(command: c.StaleCard, session: Session) -> list[Effect]:
    origin = command.origin
    fresh = status_card(origin.person_id, status_facts(session), session.phone_active, session.meeting is not None)
    return [*text(origin, f"This card is out of date (it was made for {command.reason}), so I did nothing. "
                          "Here is a fresh one."), *reply(origin, fresh, personal=True)]


@dispatch.register
def not_allowed(command: c.NotAllowed, session: Session) -> list[Effect]:
    return text(command.origin, "Sorry, this bot is only for people in the organisations it was set up for, "
                                "so I can't help you. Nothing was stored.")


@dispatch.register
def audit_query(command: c.AuditQuery, session: Session) -> list[Effect]:
    origin = command.origin
    if not origin.is_admin:
        return text(origin, "Only administrators can read the audit log.")
    who = f" for {escape(command.person_email)}" if command.person_email else ""
    if not command.entries:
        return text(origin, f"No dial-out attempts in the audit log{who}.", personal=True)
    lines = "\n".join(f"- {escape(line, 300)}" for line in command.entries)
    return text(origin, f"**Dial-out audit{who}** (newest first)\n{lines}", personal=True)
