"""`python -m bot [run | worker | agent | webhooks sync | chat]`."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from bot import logs, runtime
from bot.config import load_settings
from bot.webex import webhook_registration


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Phone audio for Webex meetings, from chat.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="web tier, workers and the simulated agent in one process (the default)")
    sub.add_parser("worker", help="workers only")
    sub.add_parser("agent", help="the simulated meeting agent only")
    hooks = sub.add_parser("webhooks", help="manage the bot's Webex webhooks")
    hooks.add_argument("action", choices=["sync"])
    dead = sub.add_parser("dead-letters", help="list the dead-letter stream, or replay entries from it")
    dead.add_argument("action", choices=["list", "replay"], nargs="?", default="list")
    dead.add_argument("ids", nargs="*", help="entry ids to replay (default with replay: all)")
    audit = sub.add_parser("audit", help="read the dial-out audit log, newest first")
    audit.add_argument("--person", default=None, help="only this person's attempts (email)")
    audit.add_argument("--limit", type=int, default=50)
    chat = sub.add_parser("chat", help="talk to a running sandbox bot from this terminal")
    chat.add_argument("--as", dest="person", default="alice", help="alice, bob or carol")
    chat.add_argument("--url", default="", help="the sandbox Webex server (default http://127.0.0.1:PORT+1)")
    args = parser.parse_args(argv)
    settings = load_settings()
    logs.configure(settings.log_level, secrets=(settings.webex_access_token, settings.webex_webhook_secret))

    if args.command == "webhooks":
        if not settings.public_url:
            print("Set PUBLIC_URL to where Webex can reach this bot (https://...).", file=sys.stderr)
            return 2
        webex = runtime.webex_for(settings)
        changes = webhook_registration.sync(webex, settings.public_url, runtime.webhook_secret_for(settings))
        print("\n".join(changes) or "webhooks already in place; nothing changed")
        for hook in webex.webhooks():
            print(f"  {hook.get('status', '?'):<8} {hook.get('resource')}:{hook.get('event')} -> "
                  f"{hook.get('targetUrl')}  ({hook.get('name')})")
        return 0
    if args.command == "dead-letters":
        from bot.streams.dead_letters import run_dead_letters

        return run_dead_letters(settings, args.action, args.ids)
    if args.command == "audit":
        from bot.stores.audit import AuditLog, describe
        from bot.stores.redis_connection import connect

        entries = AuditLog(connect(settings), settings).read(args.person, args.limit)
        print("\n".join(describe(entry) for entry in entries) or "no dial-out attempts in the audit log")
        return 0
    if args.command == "chat":
        from bot.sandbox.terminal_chat import run_chat

        return run_chat(args.url or f"http://127.0.0.1:{settings.effective_sandbox_port}", args.person)

    role = args.command or "run"
    chat_here = role == "run" and settings.sandbox and sys.stdin.isatty()
    if chat_here:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = settings.data_dir / "bot.log"
        logs.configure(settings.log_level, secrets=(settings.webex_webhook_secret,), path=str(log_file))
        print(f"Logs go to {log_file}.")
    parts = {"run": {}, "worker": {"web": False, "agent": False}, "agent": {"web": False, "workers": False}}[role]
    if role == "worker" and settings.worker_nice:
        os.nice(settings.worker_nice)  # on a shared machine the web tier's acks come first; the backlog waits
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # before start: a SIGTERM during start-up stops gracefully too
    running = runtime.start(settings, **parts)
    if role == "run":
        print(f"Bot listening on http://127.0.0.1:{running.web.port}/  (health: /healthz, metrics: /metrics)", flush=True)
    try:
        if chat_here and running.sandbox is not None:
            from bot.sandbox.terminal_chat import run_chat

            print("Sandbox mode: no WEBEX_ACCESS_TOKEN, so this talks to the local Webex server "
                  f"at {running.sandbox.url}. Phones are simulated.\n"
                  f"Open http://localhost:{running.web.port}/ for the browser sandbox, or chat here.", flush=True)
            run_chat(running.sandbox.url, "alice", bot_url=f"http://127.0.0.1:{running.web.port}")
        else:
            stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
