"""Who may use the bot, judged by the sender's own person record. Pure.

The webhook envelope's orgId is the webhook owner's (the bot's), so it proves nothing about
who wrote; the person record from GET people/{id} does.
"""
from __future__ import annotations

from bot.config import Settings


def emails_of(person: dict) -> list[str]:
    return [email.lower() for email in person.get("emails") or [] if isinstance(email, str)]


def is_allowed(person: dict, settings: Settings) -> bool:
    """Everyone, unless an allow-list is configured; then a match on any one of them."""
    if not (settings.allowed_org_ids or settings.allowed_domains or settings.allowed_people):
        return True
    emails = emails_of(person)
    if person.get("orgId") and person["orgId"] in settings.allowed_org_ids:
        return True
    domains = {domain.lower().lstrip("@") for domain in settings.allowed_domains}
    if any(email.rpartition("@")[2] in domains for email in emails):
        return True
    people = {email.lower() for email in settings.allowed_people}
    return any(email in people for email in emails)


def is_admin(person: dict, settings: Settings) -> bool:
    admins = {email.lower() for email in settings.admins}
    return any(email in admins for email in emails_of(person))
