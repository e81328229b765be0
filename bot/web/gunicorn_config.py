"""gunicorn settings for the web tier (Procfile: `gunicorn -c python:bot.web.gunicorn_config ...`).

Prometheus multiprocess mode (prometheus-client's own): every gunicorn worker writes its
counters and histograms to files in PROMETHEUS_MULTIPROC_DIR, and /metrics sums them
(bot/web/app.py, MultiProcessCollector), so a counter is the whole web tier's, whichever
worker answers the scrape. When the variable is not set, the master makes a directory of its
own under DATA_DIR (var/metrics/gunicorn-<pid>), empty at start and removed at exit. Set it
yourself (for the web tier and the bot workers alike) to see the workers' counters too; then
empty it before the processes start, as prometheus-client asks.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

_owned: Path | None = None


def on_starting(server) -> None:
    global _owned
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
        return
    from bot.config import load_settings

    _owned = load_settings().data_dir / "metrics" / f"gunicorn-{os.getpid()}"
    shutil.rmtree(_owned, ignore_errors=True)
    _owned.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_owned)  # inherited by every worker it forks


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    if _owned is not None:
        shutil.rmtree(_owned, ignore_errors=True)
