"""`python -m bot dead-letters [list | replay [ID ...]]`: what was given up on, and a way back.

A replayed event goes through the inbox again, so every rule still holds: a dial-out that
is now too old is not placed; the person is asked to confirm instead.
"""
from __future__ import annotations

import json
import time

from bot.config import Settings
from bot.conversation.effects import Reply
from bot.stores.redis_connection import connect
from bot.streams.outbox import Outbox
from bot.streams.retries import Retries
from bot.webex.messages import CardMessage


def describe(entry_id: str, letter: dict) -> str:
    payload = letter["payload"]
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(letter["failed_at"])))
    what = payload.get("key") if letter["kind"] == "event" else f"reply to {payload.get('person_id')}"
    return f"{entry_id}  {when}Z  {letter['kind']:<5}  {what}  ({letter['reason']})"


def replay(retries: Retries, outbox: Outbox, entry_id: str) -> bool:
    letter = retries.take_dead_letter(entry_id)
    if letter is None:
        return False
    payload = letter["payload"]
    if letter["kind"] == "event":
        retries.redis.xadd(retries.inbox_key, {k: str(v) for k, v in {**payload, "attempt": 0}.items()})
        return True
    reply = Reply(CardMessage(payload["markdown"], payload.get("card")), room_id=payload.get("room_id", ""),
                  to_person_id=payload.get("to_person_id", ""))
    with retries.redis.pipeline(transaction=True) as pipe:
        outbox.queue(pipe, payload["person_id"], [reply])
        pipe.execute()
    return True


def run_dead_letters(settings: Settings, action: str, ids: list[str]) -> int:
    client = connect(settings)
    retries, outbox = Retries(client, settings), Outbox(client, settings)
    letters = retries.dead_letters(count=10_000)
    if action == "list":
        for entry_id, letter in letters:
            print(describe(entry_id, letter))
        print(f"{len(letters)} dead letter(s)")
        return 0
    chosen = ids or [entry_id for entry_id, _ in letters]
    replayed = [entry_id for entry_id in chosen if replay(retries, outbox, entry_id)]
    print(json.dumps({"replayed": replayed, "not_found": sorted(set(chosen) - set(replayed))}))
    return 0 if len(replayed) == len(chosen) else 1
