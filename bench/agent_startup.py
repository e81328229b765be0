"""Meeting-agent start-up and memory on the real SDK bundle, against the local meetings cloud.

For each of N people (one browser context and page each, as in production) it measures:
  page   new context + page + goto agent.html (the 3.3 MB bundle parsed)   -> phoneAgent ready
  start  phoneAgent.start: Webex.init, U2C catalogs, people/me, WDM, Mercury connect
  join   a dial-in command until JOINED: meeting info, Locus join, provisional device
and the memory Chromium uses per meeting: the proportional set size (PSS, /proc/<pid>/smaps_rollup)
of all Chromium processes, before the first page and after N, divided by N.

  .venv/bin/python bench/agent_startup.py --people 5
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.own_redis import own_redis  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.meeting import protocol  # noqa: E402
from bot.meeting.browser_agent import BrowserAgent  # noqa: E402
from bot.meeting.identities import AgentIdentity  # noqa: E402
from bot.stores.redis_connection import connect  # noqa: E402
from localwebex.meetings import serve_cloud  # noqa: E402


def chromium_pss_kib() -> int:
    """PSS of every Chromium process of this user (the benchmark's own browser only runs here)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if "chromium" not in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="ignore"):
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5)
    args = parser.parse_args()
    cloud, handle = serve_cloud()
    agent_person = cloud.add_person("Bench Agent")
    with own_redis("no") as url:
        settings = load_settings({"REDIS_URL": url, "MEETING_BACKEND": "webex", "WEBEX_AGENT_TOKEN": agent_person.token,
                                  "WEBEX_MEETINGS_DISCOVERY_URL": cloud.base_url,
                                  "AGENT_MAX_MEETINGS": str(args.people + 1), "LOG_LEVEL": "WARNING"})
        client = connect(settings)
        agent = BrowserAgent(settings, client, AgentIdentity(settings, client))
        launched = time.perf_counter()
        agent.start()
        launch_s = time.perf_counter() - launched
        baseline = chromium_pss_kib()
        pages, starts, joins = [], [], []
        for index in range(args.people):
            person = f"person-{index}"
            opened = agent._run(_open_timed(agent, person), timeout=120)
            pages.append(opened["page"])
            starts.append(opened["start"])
            command = {"id": f"bench-{index}", "op": "use_phone_audio", "person_id": person,
                       "display_name": f"Person {index} (phone)", "meeting": {"number": "2551234567"},
                       "phone_number": None, "deadline": time.time() + 60}
            began = time.perf_counter()
            client.xadd(agent.streams.commands, protocol.encode(command))
            while not _joined(client, agent, person):
                if time.perf_counter() - began > 60:
                    raise SystemExit(f"{person}: no JOINED within 60 s")
                time.sleep(0.01)
            joins.append(time.perf_counter() - began)
        time.sleep(1.0)  # let the pages settle (timers, metrics) before measuring
        after = chromium_pss_kib()
        agent.stop()
    cloud.close()
    handle.stop()
    def ms(values):
        return f"median {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"

    print(f"browser launch          {launch_s * 1000:.0f} ms")
    print(f"page + bundle load      {ms(pages)}")
    print(f"SDK start (register)    {ms(starts)}")
    print(f"dial-in until JOINED    {ms(joins)}  (includes create + join)")
    print(f"Chromium PSS            {baseline / 1024:.0f} MiB with no page, {after / 1024:.0f} MiB with "
          f"{args.people} meetings: {(after - baseline) / 1024 / args.people:.0f} MiB per meeting")
    print(f"unexpected requests     {cloud.unexpected or 'none'}")


async def _open_timed(agent: BrowserAgent, person: str) -> dict:
    """BrowserAgent._open, timed in its two halves (page + bundle, then phoneAgent.start)."""
    token = agent.identity.token_for(person, person)
    began = time.perf_counter()
    context = await agent.browser.new_context()
    await context.route("**/*", agent._serve_or_pass)
    await context.add_init_script(f"window.phoneAgentConfig = {json.dumps(agent.page_config)};")
    page = await context.new_page()
    from bot.meeting.agent_page import PAGE_ORIGIN
    from bot.meeting.browser_agent import PersonPage

    record = PersonPage(person, person, context, page)
    await page.expose_function("agentEmit", lambda event, who=record: agent._on_page_event(who, event))
    await page.goto(f"{PAGE_ORIGIN}/agent.html")
    await page.wait_for_function("() => window.phoneAgent")
    loaded = time.perf_counter()
    await page.evaluate("args => window.phoneAgent.start(args)",
                        {"token": token, "displayName": person, "discoveryUrl": agent.discovery})
    started = time.perf_counter()
    agent.people[person] = record
    return {"page": loaded - began, "start": started - loaded}


def _joined(client, agent, person) -> bool:
    for _, fields in client.xrevrange(agent.streams.events, count=20):
        event = protocol.decode(fields)
        if event.get("person_id") == person and event.get("type") == "phone_audio_update" \
                and (event["payload"].get("dialIn") or {}).get("status") == "JOINED":
            return True
    return False


if __name__ == "__main__":
    main()
