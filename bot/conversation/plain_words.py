"""The SDK's phone-audio states and reasons in the words a person reads, with what to do next. Pure.

A person never sees JOINED, CONNECTED, TRANSFERRING, SUCCESS, LEFT or FAILURE: those are the
SDK's PSTN_STATUS values (DESIGN.md). An unknown status or reason is told as what it most
likely means, never echoed.
"""
from __future__ import annotations

from bot.conversation.session import CONNECTED, JOINED, LEFT, SUCCESS, TRANSFERRING

DIAL_OUT_WORDS = {
    JOINED: ("ringing", "answer your phone"),
    CONNECTED: ("answered, joining the meeting", "stay on the line"),
    TRANSFERRING: ("joining the meeting", "stay on the line"),
    SUCCESS: ("connected", "your phone is your meeting audio"),
    LEFT: ("ended", "say `call me` to call again"),
}
DIAL_IN_WORDS = {
    JOINED: ("waiting for your call", "call the number on the dial-in card"),
    CONNECTED: ("connected", "your phone is your meeting audio"),
    SUCCESS: ("connected", "your phone is your meeting audio"),
    TRANSFERRING: ("joining the meeting", "stay on the line"),
    LEFT: ("ended", "say `dial in` to dial in again"),
}
UNKNOWN_STATE = ("being set up", "wait a moment, or say `status` again")

# Why a dial-out ended, as the SDK or the agent reports it.
REASON_WORDS = {
    "FAILURE": "the call didn't go through",
    "FAILED": "the call didn't go through",
    "DECLINED": "the call was declined",
    "REJECTED": "the call was declined",
    "BUSY": "the line was busy",
    "NO_ANSWER": "nobody answered",
    "TIMEOUT": "nobody answered",
    "PAGE_CRASHED": "the meeting service lost the call",
    "AGENT_LOST": "the meeting service stopped",
    "MEETING_ENDED": "the meeting ended",
    "REMOVED": "the host removed your phone from the meeting",
}
NORMAL_ENDINGS = frozenset({"", "NORMAL", "HANGUP", "HUNG_UP"})
SOMETHING_WENT_WRONG = "the call ended unexpectedly"


def state_words(kind: str, status: str) -> tuple[str, str]:
    """(what it is, what to do next) for a device: kind is "dial_in" or "dial_out"."""
    table = DIAL_IN_WORDS if kind == "dial_in" else DIAL_OUT_WORDS
    return table.get(status, UNKNOWN_STATE)


def describe(kind: str, status: str, reason: str = "") -> str:
    """"ringing: answer your phone", "ended: the call was declined"."""
    said, next_step = state_words(kind, status)
    if status == LEFT and not is_normal_ending(reason):
        return f"{said}: {reason_words(reason)}"
    return f"{said}: {next_step}"


def is_normal_ending(reason: str) -> bool:
    return (reason or "").upper() in NORMAL_ENDINGS


def reason_words(reason: str) -> str:
    """A code (the SDK's, or the simulator's) in words; an agent's own words ("the meeting ended") as they are."""
    reason = (reason or "").strip()
    if reason.upper() in REASON_WORDS:
        return REASON_WORDS[reason.upper()]
    return reason if is_agents_words(reason) else SOMETHING_WENT_WRONG


def is_agents_words(reason: str) -> bool:
    """Words the meeting agent wrote for a person (to be escaped when echoed), not a code."""
    reason = (reason or "").strip()
    return reason.upper() not in REASON_WORDS and any(ch.islower() for ch in reason) and " " in reason
