"""A local, Webex-compatible REST server (real HTTP) for tests and the sandbox.

Use `create_app()` from `localwebex.server`, or run `python -m localwebex --port 8090`.
It imports nothing from `bot`: it stands in for Webex, so it must not agree with a bug in the bot.
"""
