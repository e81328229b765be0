"""Adaptive Cards the bot sends. Pure: each builder returns a CardMessage and does no I/O."""
