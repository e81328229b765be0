"""The agent page's network: its files served from this checkout, and (with a local meetings
cloud) every request the SDK makes kept to that cloud. Playwright request routing."""
from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import REPO_ROOT

log = logging.getLogger(__name__)
PAGE_DIR = REPO_ROOT / "agent" / "page"
DEFAULT_SDK = REPO_ROOT / "agent" / "vendor" / "meetings.min.js"
PAGE_ORIGIN = "http://agent.local"  # served from local files by request interception, never the network
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-component-update",
                 "--disable-background-networking", "--use-fake-device-for-media-stream",
                 "--use-fake-ui-for-media-stream"]
# A meetings cloud on this machine (WEBEX_MEETINGS_DISCOVERY_URL on 127.0.0.1) is a more private
# address than the page's origin: Chromium's Private/Local Network Access would block every call.
LOCAL_CLOUD_ARGS = [("--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,"
                     "PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks")]


class PageNetwork:
    def __init__(self, discovery: str, sdk_script: str = ""):
        self.discovery = discovery.rstrip("/")
        sdk = Path(sdk_script) if sdk_script else DEFAULT_SDK
        self.files = {"/agent.html": PAGE_DIR / "agent.html", "/agent.js": PAGE_DIR / "agent.js", "/sdk.js": sdk}
        self.stray_requests: list[str] = []  # with a local cloud: requests for anywhere else (aborted)

    def missing_files(self) -> list[str]:
        return [str(path) for path in self.files.values() if not path.exists()]

    async def route(self, context) -> None:
        if self.discovery:
            await context.route("**/*", self.serve_or_pass)
        else:
            await context.route(f"{PAGE_ORIGIN}/**", self.serve)

    async def serve_or_pass(self, route) -> None:
        """With a local meetings cloud: the page, the cloud, and nothing else."""
        url = route.request.url
        if url.startswith(PAGE_ORIGIN + "/"):
            await self.serve(route)
        elif url.startswith(self.discovery + "/"):
            await route.continue_()
        elif urlsplit(url).path == "/wbxappapi/v1/meetingInfo":
            # A SIP address on a Webex site goes to that site's own meeting-info service, not to
            # the catalog's (plugin-meetings meeting-info/utilv2.ts getDirectMeetingInfoURI): no
            # config reaches it, so it is sent to the cloud's.
            response = await route.fetch(url=f"{self.discovery}/wbxappapi/v1/meetingInfo")
            await route.fulfill(response=response)
        else:
            log.warning("agent page request outside the meetings cloud aborted", extra={"url": url[:200]})
            self.stray_requests.append(url)
            await route.abort()

    async def serve(self, route) -> None:
        """The page's files, from this checkout."""
        path = route.request.url[len(PAGE_ORIGIN):].split("?", 1)[0]
        file = self.files.get(path)
        if file is None:
            await route.fulfill(status=404, body="not found")
            return
        # The SDK bundle is UTF-8; without the charset the browser reads it as Latin-1 and fails.
        content_type = "text/html; charset=utf-8" if path.endswith(".html") else "application/javascript; charset=utf-8"
        await route.fulfill(status=200, body=file.read_bytes(), content_type=content_type)


def is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")
