"""The browser sandbox (no WEBEX_ACCESS_TOKEN): a Webex-like page at `/`, the simulated phones,
and a reset. Served by the bot's own web app, in sandbox mode only.

The page is a client of the local Webex-compatible server (messages, cards, the live feed);
this blueprint adds what Webex does not have: the phone panel and the reset button.
"""
from __future__ import annotations

import requests
from flask import Blueprint, abort, jsonify, request, send_from_directory

from bot.config import REPO_ROOT
from bot.meeting.simulated_phone import PhoneError
from bot.meeting.simulator import SimulatedAgent
from bot.sandbox.cloud_phones import CloudPhones
from bot.stores.sessions import SessionStore
from bot.webex import webhook_registration

WEB_DIR = REPO_ROOT / "sandbox" / "web"
VENDOR = {  # the official renderer, installed from the npm registry by `make run` / `make test`
    "adaptivecards.min.js": WEB_DIR / "node_modules" / "adaptivecards" / "dist",
    "adaptivecards.css": WEB_DIR / "node_modules" / "adaptivecards" / "dist",
}


def create_blueprint(runtime) -> Blueprint:
    """`runtime` is the running bot (bot/runtime.py): its sandbox server, agent and Redis."""
    blueprint = Blueprint("sandbox", __name__)

    cloud_phones = CloudPhones(runtime.meetings_cloud, SessionStore(runtime.redis, runtime.settings)) \
        if runtime.meetings_cloud is not None else None

    def agent():
        """The person's phone: the simulator's, or (on the real SDK) the local meetings cloud's phone network."""
        if cloud_phones is not None:
            return cloud_phones
        if not isinstance(runtime.agent, SimulatedAgent):
            abort(503, "the simulated meeting agent is not running in this process")
        return runtime.agent

    @blueprint.get("/")
    def page():
        return send_from_directory(WEB_DIR, "index.html")

    @blueprint.get("/sandbox/static/<path:name>")
    def static_file(name: str):
        if name.startswith("node_modules") or name.startswith("package"):
            abort(404)
        return send_from_directory(WEB_DIR, name)

    @blueprint.get("/sandbox/vendor/<name>")
    def vendor(name: str):
        folder = VENDOR.get(name)
        if folder is None or not (folder / name).exists():
            abort(404, "run `make run` (it installs the card renderer with npm)")
        return send_from_directory(folder, name)

    @blueprint.get("/sandbox/api/config")
    def config():
        return jsonify({"webexUrl": runtime.sandbox.url, "world": _world(runtime)})

    @blueprint.get("/sandbox/api/phone/<person_id>")
    def phone(person_id: str):
        return jsonify(agent().phone_state(person_id))

    @blueprint.post("/sandbox/api/phone/<person_id>/<action>")
    def phone_action(person_id: str, action: str):
        simulated = agent()
        body = request.get_json(silent=True) or {}
        actions = {"answer": lambda: simulated.answer(person_id), "decline": lambda: simulated.decline(person_id),
                   "hangup": lambda: simulated.hang_up_phone(person_id),
                   "dial": lambda: simulated.dial_in(person_id, str(body.get("number", ""))[:40],
                                                     str(body.get("digits", ""))[:60])}
        if action not in actions:
            abort(404)
        try:
            return jsonify(actions[action]())
        except PhoneError as problem:
            return jsonify({"error": str(problem)}), 409

    @blueprint.post("/sandbox/api/reset")
    def reset():
        """A fresh world: new people and spaces on the local Webex, empty sessions, idle phones."""
        requests.post(f"{runtime.sandbox.url}/_sandbox/reset", timeout=5).raise_for_status()
        keys = list(runtime.redis.scan_iter(match=runtime.settings.redis_key_prefix + "*", count=1000))
        if keys:
            runtime.redis.delete(*keys)
        if cloud_phones is not None:
            cloud_phones.forget_everyone()
        elif runtime.agent is not None:
            runtime.agent.forget_everyone()
        if runtime.worker is not None:
            runtime.worker.ensure_groups()
        webhook_registration.sync(runtime.webex, f"http://127.0.0.1:{runtime.web.port}", runtime.webhook_secret)
        return jsonify({"world": _world(runtime)})

    return blueprint


def _world(runtime) -> dict:
    return requests.get(f"{runtime.sandbox.url}/_sandbox/world", timeout=5).json()
