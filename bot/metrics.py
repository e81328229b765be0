"""Prometheus metrics (prometheus-client writes the text format).

Counters and histograms count what this process did; the gauges of shared state (inbox
depth, pending entries, dead letters, live agents) are read from Redis at scrape time, so
every process reports the same truth.
"""
from __future__ import annotations

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

DELIVERIES = Counter("webhook_deliveries", "Webhook deliveries answered, by outcome", ["outcome"])
ACK_SECONDS = Histogram("webhook_ack_seconds", "Time from receiving a delivery to answering it",
                        buckets=(0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0))
PROCESSING_SECONDS = Histogram("event_processing_seconds", "Time from accepting an event to its effects being stored",
                               buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300))
RETRIES = Counter("event_retries", "Work scheduled again after a failure, by reason", ["reason"])
DEAD_LETTERS = Counter("dead_letters", "Events and replies given up on and kept as dead letters", ["kind"])
PHONE_AUDIO = Counter("phone_audio_commands", "Phone-audio commands by operation and outcome", ["op", "outcome"])
WEBEX_CALLS = Counter("webex_api_calls", "Webex REST calls by endpoint and HTTP status", ["endpoint", "status"])
REPLIES = Counter("replies_posted", "Replies posted to Webex")


class RedisStateCollector(Collector):
    """Gauges read from Redis when /metrics is scraped."""

    def __init__(self, read_state):
        self.read_state = read_state  # () -> dict, or raises when Redis is down

    def collect(self):
        up = GaugeMetricFamily("redis_up", "Whether Redis answered this scrape")
        try:
            state = self.read_state()
        except Exception:  # noqa: BLE001 - a scrape must still answer when Redis is down
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, help_text in (("inbox_depth", "Inbox entries not yet read by any worker"),
                                ("inbox_pending", "Inbox entries read but not yet acknowledged"),
                                ("inbox_scheduled_retries", "Events waiting for a retry"),
                                ("outbox_people", "People with replies waiting to be posted"),
                                ("dead_letter_entries", "Entries in the dead-letter stream"),
                                ("agents_alive", "Meeting agents with a fresh heartbeat")):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], state.get(name, 0))
            yield gauge
