"""Adaptive Cards the bot sends. Pure: each builder returns a CardMessage and does no I/O."""
from cards.render import CardMessage  # noqa: F401
