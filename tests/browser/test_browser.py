"""The browser sandbox in a real headless Chromium (Debian's), driven by Playwright.

Screenshots of every step are saved under artifacts/browser/ (git ignores it).
"""
from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from bot import runtime
from bot.config import REPO_ROOT, load_settings
from tests.unit import test_cards

pytestmark = pytest.mark.integration
ARTIFACTS = REPO_ROOT / "artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]
WAIT_MS = 15_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def free_port_run(count: int = 3) -> int:
    """A port P with P … P+count-1 all free: the sandbox serves its local servers on SANDBOX_PORT and the
    ports after it (a lone free port's neighbour may be taken, and was, once in CI)."""
    for _ in range(50):
        first = free_port()
        probes = [socket.socket() for _ in range(count)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind(("127.0.0.1", first + offset))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no run of free ports")


@pytest.fixture
def sandbox(redis_client, key_prefix):
    """The bot as `make run` starts it with no token: local Webex, simulated phones, the page."""
    ports = free_port_run()  # sandbox Webex, meetings cloud, web tier
    settings = load_settings({"REDIS_KEY_PREFIX": key_prefix, "SANDBOX_PORT": str(ports),
                              "LOG_LEVEL": "WARNING"})
    running = runtime.start(settings, client=redis_client, web_port=ports + 2)
    assert running.settings.simulator_answer_mode == "manual"
    yield running
    running.stop()


@pytest.fixture
def browser():
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it"
    with playwright_api.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class SandboxPage:
    def __init__(self, page, url: str):
        self.page = page
        self.url = url
        self.console_errors: list[str] = []
        page.on("console", lambda message: self.console_errors.append(message.text)
                if message.type == "error" else None)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    @classmethod
    def opened(cls, browser, running) -> "SandboxPage":
        """The sandbox page of a running bot, open in a new browser page."""
        page = cls(browser.new_page(viewport={"width": 1400, "height": 900}), f"http://127.0.0.1:{running.web.port}/")
        page.open()
        return page

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.get_by_test_id("sandbox-note").wait_for(timeout=WAIT_MS)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def be(self, person: str, space: str) -> None:
        self.page.get_by_test_id("person-picker").select_option(person)
        self.page.get_by_test_id(f"space-{space}").click()

    def say(self, text: str) -> None:
        self.page.get_by_test_id("composer-input").fill(text)
        self.page.get_by_test_id("composer-send").click()

    def bot_message(self, containing: str):
        """The newest bot message whose text contains `containing`, once it is there."""
        locator = self.page.locator('[data-testid="message"][data-from-bot="true"]', has_text=containing).last
        locator.wait_for(timeout=WAIT_MS)
        return locator


def test_the_story_in_a_real_browser(sandbox, browser, redis_client, key_prefix):
    page = SandboxPage.opened(browser, sandbox)
    assert "simulated" in page.page.get_by_test_id("sandbox-note").inner_text().lower()
    page.shot("00-open")

    # 1. Alice names her meeting and asks to dial in
    page.be("alice", "direct")
    page.say("meeting 2551234567")
    page.bot_message("Meeting set to 2551 234 567")
    page.say("dial in")
    dial_in = page.bot_message("Access code")
    page.shot("01-dial-in-card")

    # 2. the rendered card shows the access code and an attendee ID
    text = dial_in.inner_text()
    access_code = re.search(r"Access code\s*(\d+)", text).group(1)
    attendee_id = re.search(r"Attendee ID\s*(\d+)", text).group(1)
    assert access_code == "2551234567"
    alice_id = sandbox.sandbox_state.world["people"]["alice"]["id"]
    assert attendee_id == sandbox.agent.participants[alice_id].dial_in.attendee_id

    # 3. "Call me instead", a number typed into the card's input, submitted
    dial_in.get_by_role("button", name="Call me instead").click()
    dial_in.get_by_label("Phone number to call").fill("408 555 0100")
    dial_in.get_by_role("button", name="Call me", exact=True).click()
    page.bot_message("Calling +1 408-555-0100")
    page.shot("03-calling")

    # 4. her phone panel rings; she answers
    page.page.get_by_test_id("phone-state").filter(has_text="ringing").wait_for(timeout=WAIT_MS)
    page.shot("04-ringing")
    page.page.get_by_test_id("phone-answer").click()

    # 5. "Connected" appears
    connected = page.bot_message("Your phone is connected")
    page.page.get_by_test_id("phone-state").filter(has_text="connected").wait_for(timeout=WAIT_MS)
    page.page.get_by_test_id("phone-timer").wait_for(timeout=WAIT_MS)
    page.page.get_by_test_id("phone-participants").filter(has_text="Alice Anders (phone)").wait_for(timeout=WAIT_MS)
    page.shot("05-connected")

    # 6. "Disconnect phone": the reply tells her to unmute her app
    connected.get_by_role("button", name="Disconnect phone").click()
    page.bot_message("Unmute your Webex app")
    page.page.get_by_test_id("phone-state").filter(has_text="idle").wait_for(timeout=WAIT_MS)
    page.shot("06-disconnected")

    # 7. Bob, in the group space, presses Alice's card and is refused
    page.be("alice", "group")
    page.say("help")
    page.bot_message("Phone audio for your Webex meeting")
    page.be("bob", "group")
    alices_card = page.bot_message("Phone audio for your Webex meeting")
    alices_card.get_by_role("button", name="Dial in").click()
    page.bot_message("isn't yours")
    page.shot("07-bob-refused")
    assert not redis_client.exists(sandbox.settings.key("session", sandbox.sandbox_state.world["people"]["bob"]["id"]))

    problems = page.page.evaluate("window.sandboxRenderProblems")
    assert problems == [], problems
    assert page.console_errors == [], page.console_errors


def test_space_meeting_profile_number_and_one_tap_dial_in(sandbox, browser):
    page = SandboxPage.opened(browser, sandbox)
    # Alice gives the group space its meeting; Bob, with none of his own, dials in to it
    page.be("alice", "group")
    page.say("meeting 2640 387 9124 for this space")
    page.bot_message("This space's meeting is now 2640 387 9124")
    page.be("bob", "group")
    page.say("how do I join by phone?")
    page.bot_message("Using this space's meeting 2640 387 9124")
    page.be("bob", "direct")
    card = page.bot_message("Access code")
    # "Call now" is a tel: link; in the sandbox it dials from the simulated phone, codes and all
    card.get_by_role("link", name="Call now").click()
    page.bot_message("You dialled in")
    page.page.get_by_test_id("phone-state").filter(has_text="connected").wait_for(timeout=WAIT_MS)
    page.shot("10-one-tap-dial-in")
    # ... then hangs up, and asks for a call to the mobile in his Webex profile instead
    page.say("hang up")
    page.bot_message("Unmute your Webex app")
    page.say("actually ring my cell")
    page.bot_message("Calling +1 415-555-0142")
    page.page.get_by_test_id("phone-state").filter(has_text="ringing").wait_for(timeout=WAIT_MS)
    page.shot("11-profile-mobile-ringing")
    assert page.page.evaluate("window.sandboxRenderProblems") == []
    assert page.console_errors == [], page.console_errors


@pytest.fixture
def sdk_sandbox(redis_client, key_prefix):
    """`MEETING_BACKEND=webex make run`: the sandbox on the real Web Meetings SDK and the local meetings cloud."""
    ports = free_port_run()  # sandbox Webex, meetings cloud, web tier
    settings = load_settings({"REDIS_KEY_PREFIX": key_prefix, "SANDBOX_PORT": str(ports),
                              "MEETING_BACKEND": "webex", "LOG_LEVEL": "WARNING"})
    running = runtime.start(settings, client=redis_client, web_port=ports + 2)
    assert running.meetings_cloud is not None and running.settings.webex_meetings_discovery_url
    yield running
    running.stop()
    assert running.meetings_cloud.unexpected == [], running.meetings_cloud.unexpected


def test_the_sandbox_on_the_real_sdk_rings_the_phone_panel(sdk_sandbox, browser):
    page = SandboxPage.opened(browser, sdk_sandbox)
    page.be("alice", "direct")
    page.say("meeting 2551234567")
    page.bot_message("Meeting set to 2551 234 567")
    page.say("call my mobile")
    page.bot_message("Calling +1 408-555-0100")
    page.page.get_by_test_id("phone-state").filter(has_text="ringing").wait_for(timeout=30_000)
    page.shot("20-real-sdk-ringing")
    page.page.get_by_test_id("phone-answer").click()
    page.bot_message("Your phone is connected")
    page.page.get_by_test_id("phone-state").filter(has_text="connected").wait_for(timeout=WAIT_MS)
    page.say("hang up")
    page.bot_message("Unmute your Webex app")
    page.page.get_by_test_id("phone-state").filter(has_text="idle").wait_for(timeout=WAIT_MS)
    page.shot("21-real-sdk-hung-up")
    page.say("dial in")
    card = page.bot_message("Access code")
    card.get_by_role("link", name="Call now").click()  # the simulated phone calls the cloud's dial-in number
    page.bot_message("You dialled in")
    page.page.get_by_test_id("phone-state").filter(has_text="connected").wait_for(timeout=WAIT_MS)
    page.shot("22-real-sdk-dialled-in")
    assert page.console_errors == [], page.console_errors


def test_dial_in_from_the_phone_panel(sandbox, browser):
    page = SandboxPage.opened(browser, sandbox)
    page.be("alice", "direct")
    page.say("meeting 2551234567")
    page.bot_message("Meeting set")
    page.say("dial in")
    page.bot_message("Access code")
    page.page.wait_for_function(
        "() => document.querySelector('[data-testid=dial-digits]').value.endsWith('#')", timeout=WAIT_MS)
    page.page.get_by_test_id("dial-call").click()
    page.bot_message("You dialled in")
    page.page.get_by_test_id("phone-state").filter(has_text="connected").wait_for(timeout=WAIT_MS)
    page.shot("10-dialled-in")
    assert page.console_errors == [], page.console_errors


def test_reset_gives_a_fresh_world(sandbox, browser):
    page = SandboxPage.opened(browser, sandbox)
    page.be("alice", "direct")
    page.say("meeting 2551234567")
    page.bot_message("Meeting set")
    before = sandbox.sandbox_state.world["people"]["alice"]["id"]
    page.page.get_by_test_id("reset").click()
    page.page.wait_for_function("() => document.querySelectorAll('[data-testid=message]').length === 0",
                                timeout=WAIT_MS)
    assert sandbox.sandbox_state.world["people"]["alice"]["id"] != before
    page.be("alice", "direct")
    page.say("status")
    page.bot_message("Your phone audio")  # the bot answers in the new world
    assert page.console_errors == [], page.console_errors


def every_card() -> dict[str, dict]:
    from cards.prompts import confirm_call_card

    cards = {name: build().card for name, build in test_cards.BUILDERS.items()}
    cards["confirm_call"] = confirm_call_card("p", "+1 408-555-0100", "+14085550100", "2 minutes").card
    return cards


def test_every_card_renders_without_warnings(sandbox, browser):
    page = SandboxPage.opened(browser, sandbox)
    for name, card in every_card().items():
        rendered = page.page.evaluate("card => window.sandboxRenderCard(card)", card)
        assert rendered["problems"] == [], (name, rendered["problems"])
        assert rendered["html"], name
    assert page.console_errors == [], page.console_errors
