"""Prometheus metrics, one registry per process (prometheus-client writes the text format)."""
from prometheus_client import Counter

DELIVERIES = Counter("webhook_deliveries", "Webhook deliveries answered, by outcome", ["outcome"])
