"""Configuration from the environment (and `.env`), read once at start-up."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from dotenv import load_dotenv

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WEBEX_API_URL = "https://webexapis.com/v1/"


def _csv(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    webex_access_token: str = ""
    webex_api_url: str = DEFAULT_WEBEX_API_URL
    webex_webhook_secret: str = ""
    public_url: str = ""
    redis_url: str = ""
    redis_key_prefix: str = "pab:"
    data_dir: Path = REPO_ROOT / "var"
    meeting_backend: str = "simulator"
    simulator_answer_seconds: float = 2.0
    simulator_answer_mode: str = ""  # auto | manual; empty: manual in the browser sandbox, else auto
    simulator_fail_numbers: tuple[str, ...] = ()
    simulator_toll_number: str = "+1-415-555-0199"
    simulator_toll_label: str = "US Toll"
    simulator_global_callin_url: str = "https://sandbox.webex.local/global-call-in-numbers"
    port: int = 8080
    sandbox_port: int = 0  # 0: PORT + 1
    default_region: str = "US"
    dialout_countries: tuple[str, ...] = ("US", "CA")
    allowed_domains: tuple[str, ...] = ()
    allowed_org_ids: tuple[str, ...] = ()
    allowed_people: tuple[str, ...] = ()  # emails
    admins: tuple[str, ...] = ()  # emails of people who may read the audit log from chat
    dialout_limit_person: int = 5
    dialout_limit_org: int = 100
    dialout_limit_window_seconds: int = 600
    audit_retention_days: float = 90.0
    card_signing_key: str = ""  # default: derived from WEBEX_WEBHOOK_SECRET
    card_ttl_seconds: int = 12 * 3600
    agent_command_timeout_seconds: float = 15.0
    session_ttl_seconds: int = 8 * 3600
    dedupe_ttl_seconds: int = 24 * 3600
    worker_concurrency: int = 256  # events one worker process holds in flight (its lanes, for many people)
    worker_nice: int = 10  # `python -m bot worker` lowers its CPU priority by this much: the web tier comes first
    dialout_max_age_seconds: float = 60.0
    late_reply_seconds: float = 30.0
    max_attempts: int = 5
    retry_base_seconds: float = 1.0
    retry_cap_seconds: float = 60.0
    claim_idle_seconds: float = 30.0
    webhook_heal_seconds: float = 300.0
    redis_appendfsync: str = "always"  # embedded Redis only: always | everysec | no
    # The meeting agent that runs the real Web Meetings SDK (MEETING_BACKEND=webex)
    webex_agent_token: str = ""  # one user's token, for a single-user deployment
    webex_guest_issuer_token: str = ""  # a Service App token with guest-issuer:write: a guest per person
    agent_token_key: str = ""  # Fernet key that encrypts agent tokens kept in Redis
    agent_max_meetings: int = 10
    agent_idle_seconds: float = 300.0
    agent_sdk_script: str = ""  # the SDK bundle the page loads; default agent/vendor/meetings.min.js
    agent_lobby_seconds: float = 600.0  # how long a lobby wait may extend a command's deadline
    # The origin of a Webex meetings cloud the agent's SDK uses instead of Webex's (service
    # discovery, then everything its catalog names): `python -m localwebex meetings`
    webex_meetings_discovery_url: str = ""
    log_level: str = "INFO"

    @property
    def sandbox(self) -> bool:
        """No token: run against the project's local Webex-compatible server."""
        return not self.webex_access_token

    @property
    def effective_sandbox_port(self) -> int:
        return self.sandbox_port or self.port + 1

    def key(self, *parts: str) -> str:
        return self.redis_key_prefix + ":".join(parts)


_CONVERTERS = {
    "tuple[str, ...]": _csv,
    "int": int,
    "float": float,
    "Path": Path,
    "str": str,
}


def load_settings(env: dict[str, str] | None = None, **overrides) -> Settings:
    """Settings from `env` (default: os.environ after loading `.env`), then overrides."""
    if env is None:
        load_dotenv(REPO_ROOT / ".env", override=False)
        env = dict(os.environ)
    values = {}
    for spec in fields(Settings):
        raw = env.get(spec.name.upper())
        if raw is not None and raw != "":
            values[spec.name] = _CONVERTERS[spec.type](raw)
    values.update(overrides)
    settings = Settings(**values)
    if not settings.webex_api_url.endswith("/"):
        settings = Settings(**{**values, "webex_api_url": settings.webex_api_url + "/"})
    return settings
