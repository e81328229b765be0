"""Logs are JSON, never carry a full phone number or a secret."""
import json
import logging

from bot.logs import JsonFormatter, scrub


def test_phone_numbers_are_masked():
    assert "4085550100" not in scrub("calling +1 408 555 0100 now").replace(" ", "")
    assert "00" in scrub("calling +14085550100")


def test_secrets_are_redacted_and_output_is_json():
    record = logging.LogRecord("t", logging.INFO, "f", 1, "token abc123secret used for +14085550100", (), None)
    record.person_id = "p1"
    line = JsonFormatter(secrets=("abc123secret",)).format(record)
    entry = json.loads(line)
    assert entry["person_id"] == "p1" and "abc123secret" not in line and "4085550100" not in line
