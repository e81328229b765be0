"""A local, Webex-compatible REST server (real HTTP) for tests and the sandbox.

Use `create_app()` from `localwebex.server` and `serve()` from
`localwebex.testing`, or run `python -m localwebex --port 8090`.
"""
