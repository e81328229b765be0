"""Sessions in a real Redis: compare-and-set never loses a concurrent update."""
import threading

import pytest

from bot.config import load_settings
from bot.conversation.session import Session
from bot.stores.sessions import Conflict, SessionStore


@pytest.fixture
def store(redis_client, key_prefix):
    return SessionStore(redis_client, load_settings({"REDIS_KEY_PREFIX": key_prefix}))


def test_round_trip_keeps_types(store):
    before = store.load("p1")
    store.commit(before, before.with_changes(agent_seq=7, dial_in_card_sent=True, meeting_value="2551234567"))
    loaded = store.load("p1")
    assert (loaded.agent_seq, loaded.dial_in_card_sent, loaded.meeting_value, loaded.version) == (7, True, "2551234567", 1)


def test_stale_write_is_refused(store):
    before = store.load("p2")
    store.commit(before, before.with_changes(last_number="+14085550100"))
    with pytest.raises(Conflict):
        store.commit(before, before.with_changes(last_number="+14085550111"))
    assert store.load("p2").last_number == "+14085550100"


def test_concurrent_updates_are_never_lost(store):
    def bump():
        for _ in range(25):
            while True:
                current = store.load("p3")
                try:
                    store.commit(current, current.with_changes(agent_seq=current.agent_seq + 1))
                    break
                except Conflict:
                    continue

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.load("p3").agent_seq == 200


def test_extra_writes_happen_only_with_the_session(store, redis_client, key_prefix):
    before = store.load("p4")
    stream = key_prefix + "s"
    store.commit(before, before.with_changes(pending_op="dial_in"), also=lambda pipe: pipe.xadd(stream, {"a": "1"}))
    with pytest.raises(Conflict):
        store.commit(before, before.with_changes(pending_op="dial_out"), also=lambda pipe: pipe.xadd(stream, {"a": "2"}))
    assert redis_client.xlen(stream) == 1


def test_unknown_fields_from_an_older_version_are_ignored(store, redis_client):
    redis_client.hset(store.key("p5"), mapping={"version": "3", "retired_field": '"x"', "meeting_value": '"255123456"'})
    assert store.load("p5") == Session(person_id="p5", meeting_value="255123456", version=3)
