"""The page script against the SDK it runs on: the bundle is npm's, byte for byte, and every SDK
method, property, event and value agent/page/agent.js uses exists in it (checked on live objects
of the real bundle, joined to a meeting of the local cloud)."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import sync_playwright

from bot.config import REPO_ROOT
from bot.meeting.agent_page import CHROMIUM, CHROMIUM_ARGS, DEFAULT_SDK, LOCAL_CLOUD_ARGS, PAGE_DIR
from localwebex.meetings import serve_cloud

pytestmark = pytest.mark.integration
PIN = json.loads((REPO_ROOT / "agent" / "sdk-pin.json").read_text())
AGENT_JS = (PAGE_DIR / "agent.js").read_text()


def test_the_bundle_is_the_npm_packages_file_byte_for_byte():
    assert DEFAULT_SDK.exists(), "`make test` fetches the SDK bundle from the npm package"
    assert hashlib.sha256(DEFAULT_SDK.read_bytes()).hexdigest() == PIN["sha256"]


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")
def test_the_pin_is_npms_own_record_of_the_package(tmp_path):
    """The recorded integrity is what the registry says, and the tarball it names holds our bundle."""
    view = subprocess.run(["npm", "view", f"{PIN['package']}@{PIN['version']}", "dist.integrity", "dist.shasum",
                           "--json"], check=False, capture_output=True, text=True, timeout=120)
    if view.returncode != 0:
        pytest.skip(f"the npm registry can't be reached: {view.stderr[:200]}")
    dist = json.loads(view.stdout)
    assert dist == {"dist.integrity": PIN["integrity"], "dist.shasum": PIN["shasum"]}
    packed = subprocess.run(["npm", "pack", f"{PIN['package']}@{PIN['version']}", "--silent"], cwd=tmp_path, check=False,
                            capture_output=True, text=True, timeout=300)
    assert packed.returncode == 0, packed.stderr
    tarball = tmp_path / packed.stdout.strip().splitlines()[-1]
    checked = subprocess.run(["python3", str(REPO_ROOT / "agent" / "verify_sdk.py"), "--tarball", str(tarball)],
                             check=False, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def names_used_by_the_page() -> dict[str, set[str]]:
    """What agent.js touches on each SDK object, read from its source."""
    meeting = set(re.findall(r"\bmeeting\.(\w+)", AGENT_JS)) | set(re.findall(r"'(dial(?:In|Out)DeviceStatus)'", AGENT_JS))
    meetings = set(re.findall(r"\b(?:webex|instance|old)\.meetings\.(\w+)", AGENT_JS))
    webex = set(re.findall(r"\binstance\.(\w+)", AGENT_JS)) - {"meetings"}
    people = set(re.findall(r"\bpeople\.(\w+)", AGENT_JS))
    locus_info = set(re.findall(r"\blocusInfo\.(\w+)", AGENT_JS))
    return {"meeting": meeting, "meetings": meetings, "webex": webex,
            "people": people, "locusInfo": locus_info}


def constants_used_by_the_page() -> set[str]:
    """Event names and SDK values (failure reasons, removal reasons, PSTN statuses) the page compares with."""
    events = set(re.findall(r"'(meeting:[\w:]+)'", AGENT_JS))
    info = set(re.findall(r"INFO\.(\w+)\b", AGENT_JS)) - {"NONE"}
    reasons = {"MEETING_INACTIVE_TERMINATING", "SELF_REMOVED", "CLIENT_LEAVE_REQUEST"}
    assert all(f"'{reason}'" in AGENT_JS or f"/^{reason}/" in AGENT_JS for reason in reasons)
    return events | info | reasons | {"TRANSFERRING", "SUCCESS", "CONNECTED", "JOINED", "REQUIRED", "UNKNOWN"}


def test_every_event_and_value_the_page_compares_with_is_in_the_bundle():
    bundle = DEFAULT_SDK.read_text(encoding="utf-8")
    used = constants_used_by_the_page()
    assert {"meeting:self:phoneAudioUpdate", "meeting:removed", "meeting:self:lobbyWaiting",
            "meeting:self:guestAdmitted", "NOT_REACH_JBH", "POLICY"} <= used
    missing = sorted(name for name in used if f'"{name}"' not in bundle and f"'{name}'" not in bundle)
    assert missing == []


def test_every_sdk_member_the_page_uses_exists_on_the_real_objects():
    names = names_used_by_the_page()
    assert {"join", "leave", "usePhoneAudio", "disconnectPhoneAudio", "verifyPassword", "fetchMeetingInfo",
            "meetingInfoFailureReason", "meetingInfoFailureCode", "dialInUrl"} <= names["meeting"]
    assert {"register", "unregister", "create", "on", "getAllMeetings"} <= names["meetings"]
    cloud, handle = serve_cloud()
    person = cloud.add_person("Contract Carl")
    files = {"/agent.html": b"<!doctype html><meta charset='utf-8'><title>sdk</title><script src='sdk.js'></script>",
             "/sdk.js": DEFAULT_SDK.read_bytes()}

    def serve(route):
        url = route.request.url
        if url.startswith("http://agent.local/"):
            path = url.removeprefix("http://agent.local")
            route.fulfill(status=200, body=files[path], content_type="text/html; charset=utf-8"
                          if path.endswith(".html") else "application/javascript; charset=utf-8")
        elif url.startswith(cloud.base_url):
            route.continue_()
        else:
            route.abort()

    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + LOCAL_CLOUD_ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", serve)
                page.goto("http://agent.local/agent.html")
                missing = page.evaluate("""async ([token, base, names]) => {
                    const hydra = base + '/hydra/v1';
                    const webex = window.Webex.init({credentials: {access_token: token}, config: {
                        services: {discovery: {u2c: base + '/u2c/api/v1', hydra, sqdiscovery: base + '/region'}},
                        hydra, hydraServiceUrl: hydra, device: {preDiscoveryServices: {hydra, hydraServiceUrl: hydra}},
                        meetings: {reconnection: {autoRejoin: false}, enableReachabilityChecks: false}}});
                    if (webex.ready === false) await new Promise(r => webex.once('ready', r));
                    await webex.meetings.register();
                    const meeting = await webex.meetings.create('2551234567', 'MEETING_ID', false, {}, undefined, true);
                    await meeting.join();
                    await meeting.usePhoneAudio();
                    const has = (object, name) => object !== null && object !== undefined && name in object;
                    const objects = {meeting, meetings: webex.meetings, webex, people: webex.people,
                                     locusInfo: meeting.locusInfo};
                    const out = [];
                    for (const [kind, list] of Object.entries(names)) {
                        for (const name of list) if (!has(objects[kind], name)) out.push(kind + '.' + name);
                    }
                    for (const name of ['join', 'leave', 'usePhoneAudio', 'disconnectPhoneAudio', 'verifyPassword',
                                        'fetchMeetingInfo', 'on']) {
                        if (typeof meeting[name] !== 'function') out.push('meeting.' + name + ' is not a function');
                    }
                    await meeting.leave();
                    return out;
                }""", [person.token, cloud.base_url, {k: sorted(v) for k, v in names.items()}])
            finally:
                browser.close()
    finally:
        cloud.close()
        handle.stop()
    assert missing == []
    assert cloud.unexpected == []
