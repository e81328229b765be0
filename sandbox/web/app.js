// The sandbox page: a Webex-like space view (chat, live replies, Adaptive Cards) and a
// simulated phone. Plain browser JS, no build step. It talks to the bot app on this origin
// (/sandbox/api/*) and to the local Webex server (config.webexUrl) as the chosen person.
"use strict";

(function () {
  const GROUP_ROOM = "Acme team";
  const GROUP_MEMBERS = ["alice", "bob"]; // the seeded world: only Acme's people share the group space
  const CARD_TYPE = "application/vnd.microsoft.card.adaptive";
  const PHONE_POLL_MS = 500;
  const FEED_WAIT_SECONDS = 25;
  const HEADLINES = {
    idle: "Your phone",
    ringing: "Incoming call from Webex",
    connected: "In your meeting",
    "dialling-in": "Ready to dial in",
  };

  const $ = (id) => document.getElementById(id);
  const enc = encodeURIComponent;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const state = {
    webexUrl: "",
    world: null,
    personKey: "alice",
    roomKey: "direct",
    unread: { direct: 0, group: 0 },
    shown: new Set(), // ids of the messages in the list, so the feed never adds one twice
    selectRun: 0, // bumped on every person change; stale async work checks it and stops
    loadRun: 0,
    feedRun: 0,
    feedAbort: null,
    phone: null,
    phoneRun: 0,
    phoneTimeout: null,
    prefill: { number: "", digits: "" }, // last values we put in the dial fields
  };

  window.sandboxRenderProblems = [];

  // ---------------------------------------------------------------- markdown
  // A deliberately tiny, safe markdown: everything is escaped first, and only the few
  // constructs the bot uses become tags. Raw HTML in a message is never injected.

  const ESCAPABLE = /[!-/:-@[-`{-~]/; // what CommonMark lets a backslash escape

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, (c) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  function link(url, innerHtml) {
    return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${innerHtml}</a>`;
  }

  const INLINE_RULES = [
    [/^`([^`\n]+)`/, (m) => `<code>${escapeHtml(m[1])}</code>`],
    [/^\*\*(?=\S)([^\n]*?\S)\*\*/, (m) => `<strong>${inline(m[1])}</strong>`],
    [/^<@(?:personId|personEmail):[^|>]*\|([^>]+)>/, (m) => `<span class="mention">@${escapeHtml(m[1])}</span>`],
    [/^<@all>/, () => '<span class="mention">@All</span>'],
    [/^\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/, (m) => link(m[2], inline(m[1]))],
    [/^https?:\/\/[^\s<>]*[^\s<>.,;:!?)'"*]/, (m) => link(m[0], escapeHtml(m[0]))],
  ];

  function inline(src) {
    let html = "";
    let i = 0;
    scan: while (i < src.length) {
      const ch = src[i];
      if (ch === "\\" && ESCAPABLE.test(src[i + 1] || "")) {
        html += escapeHtml(src[i + 1]);
        i += 2;
        continue;
      }
      if ("`*<[h".includes(ch)) {
        const rest = src.slice(i);
        for (const [pattern, make] of INLINE_RULES) {
          const m = pattern.exec(rest);
          if (m) {
            html += make(m);
            i += m[0].length;
            continue scan;
          }
        }
      }
      html += escapeHtml(ch);
      i += 1;
    }
    return html;
  }

  // Paragraphs keep their line breaks (as Webex shows them); "- " lines become a list.
  function markdownToHtml(src) {
    let html = "";
    let paragraph = [];
    let list = null;
    const flushParagraph = () => {
      if (paragraph.length) html += `<p>${paragraph.map(inline).join("<br>")}</p>`;
      paragraph = [];
    };
    const flushList = () => {
      if (list) html += `<ul>${list.map((item) => `<li>${inline(item)}</li>`).join("")}</ul>`;
      list = null;
    };
    for (const line of String(src).replace(/\r\n?/g, "\n").split("\n")) {
      const item = /^\s*[-*]\s+(.*)$/.exec(line);
      if (item) {
        flushParagraph();
        (list = list || []).push(item[1]);
      } else if (!line.trim()) {
        flushParagraph();
        flushList();
      } else {
        flushList();
        paragraph.push(line);
      }
    }
    flushParagraph();
    flushList();
    return html;
  }

  // ---------------------------------------------------------------- cards

  const hostConfig = new AdaptiveCards.HostConfig(window.SANDBOX_HOST_CONFIG);
  const WEBEX_CARD_VERSION = AdaptiveCards.Versions.v1_3;
  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = markdownToHtml(text);
    result.didProcess = true;
  };

  function describeEvent(event) {
    const phase = AdaptiveCards.ValidationPhase[event.phase] || event.phase;
    const kind = AdaptiveCards.ValidationEvent[event.event] || event.event;
    const source = event.source && event.source.getJsonTypeName ? ` in ${event.source.getJsonTypeName()}` : "";
    return `${phase} ${kind}${source}: ${event.message}`;
  }

  // Parse, validate and render one card; problems are the renderer's own parse and
  // validation events (what a Webex client would silently drop or fall back on).
  // Parsing targets 1.3, the newest version Webex renders, so newer element and action
  // types (Table, Action.Execute, ...) are reported as unknown, as Webex treats them.
  function buildCard(content) {
    const card = new AdaptiveCards.AdaptiveCard();
    card.hostConfig = hostConfig;
    const problems = [];
    let element;
    try {
      const context = new AdaptiveCards.SerializationContext(WEBEX_CARD_VERSION);
      card.parse(content, context);
      for (let i = 0; i < context.eventCount; i++) problems.push(describeEvent(context.getEventAt(i)));
      for (const event of card.validateProperties().validationEvents) problems.push(describeEvent(event));
      if (card.version && card.version.compareTo(WEBEX_CARD_VERSION) > 0) {
        problems.push(`Validation UnsupportedCardVersion: Webex renders cards up to version ${WEBEX_CARD_VERSION}, this one says ${card.version}`);
      }
      element = card.render();
      if (!element) problems.push("Render: the renderer produced nothing for this card");
    } catch (err) {
      problems.push(`Render: ${(err && err.message) || err}`);
    }
    return { card, element, problems: [...new Set(problems)] };
  }

  function reportProblems(label, problems) {
    for (const problem of problems) {
      window.sandboxRenderProblems.push(`${label}: ${problem}`);
      console.warn(`Adaptive Card problem (${label}): ${problem}`);
    }
  }

  // For tests: render a card off-screen with the page's host config and markdown.
  window.sandboxRenderCard = function (cardJson) {
    const content = typeof cardJson === "string" ? JSON.parse(cardJson) : cardJson;
    const host = document.createElement("div");
    host.className = "offscreen";
    document.body.appendChild(host);
    const { element, problems } = buildCard(content);
    let html = "";
    if (element) {
      host.appendChild(element);
      html = element.outerHTML;
    }
    host.remove();
    return { problems, html };
  };

  async function onCardAction(action, messageId, statusEl) {
    const type = action.getJsonTypeName();
    if (type === "Action.OpenUrl") {
      if (/^https?:\/\//i.test(action.url || "")) window.open(action.url, "_blank", "noopener,noreferrer");
      else if (/^tel:/i.test(action.url || "")) dialFromLink(action.url);
      return;
    }
    if (type !== "Action.Submit") return; // ShowCard is handled by the renderer itself
    // After a press the renderer's action.data is the button's data merged with the values
    // of the card's inputs (those that are set): exactly Webex's attachment-action inputs.
    const data = action.data;
    const inputs = data && typeof data === "object" ? { ...data } : {};
    setCardStatus(statusEl, "Sending…", "pending");
    try {
      await webex("POST", "/v1/attachment/actions", { type: "submit", messageId, inputs });
      setCardStatus(statusEl, `Sent “${action.title || "Submit"}”`, "ok");
    } catch (err) {
      setCardStatus(statusEl, `Couldn't send: ${err.message}`, "error");
    }
  }

  function setCardStatus(statusEl, text, kind) {
    statusEl.textContent = text;
    statusEl.dataset.kind = kind;
    statusEl.hidden = false;
  }

  // ---------------------------------------------------------------- HTTP

  async function request(url, method, body, headers) {
    const init = { method, headers: { ...headers }, cache: "no-store" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(url, init);
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.message || data.error || `${method} ${url}: HTTP ${res.status}`);
    return data;
  }

  const api = (method, path, body) => request(path, method, body, {});
  const webex = (method, path, body, person = me()) =>
    request(state.webexUrl + path, method, body, { Authorization: `Bearer ${person.token}` });

  // ---------------------------------------------------------------- people and spaces

  const me = () => state.world.people[state.personKey];

  function spaces() {
    const person = me();
    const list = [{
      key: "direct",
      title: state.world.people.bot.displayName || "Phone Audio",
      subtitle: "Direct space with the bot",
      roomId: person.directRoomId || state.world.rooms[`${state.personKey}-bot`],
    }];
    if (GROUP_MEMBERS.includes(state.personKey) && state.world.rooms[GROUP_ROOM]) {
      list.push({
        key: "group",
        title: GROUP_ROOM,
        subtitle: "Group space: your messages @mention the bot",
        roomId: state.world.rooms[GROUP_ROOM],
      });
    }
    return list;
  }

  const currentSpace = () => spaces().find((space) => space.key === state.roomKey);

  function nameOf(personId, fallback) {
    const person = Object.values(state.world.people).find((p) => p.id === personId);
    return (person && person.displayName) || fallback || "Someone";
  }

  function renderSpaces() {
    const items = spaces().map((space) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "space";
      button.dataset.testid = `space-${space.key}`;
      if (space.key === state.roomKey) button.setAttribute("aria-current", "true");
      button.append(avatar(space.title, space.key === "direct"));
      const label = document.createElement("span");
      label.className = "space-label";
      label.innerHTML = `<span class="space-title">${escapeHtml(space.title)}</span>` +
        `<span class="space-sub">${escapeHtml(space.key === "direct" ? "Bot" : "Group space")}</span>`;
      button.append(label);
      const unread = state.unread[space.key];
      if (unread && space.key !== state.roomKey) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = String(unread);
        badge.setAttribute("aria-label", `${unread} new`);
        button.append(badge);
      }
      button.addEventListener("click", () => showRoom(space.key));
      li.append(button);
      return li;
    });
    $("space-list").replaceChildren(...items);
  }

  function avatar(name, isBot) {
    const span = document.createElement("span");
    span.className = "avatar" + (isBot ? " avatar-bot" : "");
    span.setAttribute("aria-hidden", "true");
    const words = String(name).split(/\s+/).filter(Boolean);
    span.textContent = words.slice(0, 2).map((w) => w[0].toUpperCase()).join("");
    if (!isBot) {
      let hash = 0;
      for (const ch of String(name)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
      span.style.setProperty("--avatar-hue", String(hash % 360));
    }
    return span;
  }

  // ---------------------------------------------------------------- messages

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

  function renderMessage(msg) {
    const fromBot = msg.personId === state.world.botId;
    const name = nameOf(msg.personId, msg.personDisplayName || msg.personEmail);
    const li = document.createElement("li");
    li.className = "message" + (fromBot ? " from-bot" : "") + (msg.personId === me().id ? " from-me" : "");
    li.dataset.testid = "message";
    li.dataset.messageId = msg.id;
    li.dataset.fromBot = String(fromBot);
    li.dataset.created = msg.created || "";

    const body = document.createElement("div");
    body.className = "message-body";
    const head = document.createElement("div");
    head.className = "message-head";
    const sender = document.createElement("span");
    sender.className = "sender";
    sender.dataset.testid = "message-sender";
    sender.textContent = name;
    head.append(sender);
    if (fromBot) {
      const tag = document.createElement("span");
      tag.className = "bot-tag";
      tag.textContent = "Bot";
      head.append(tag);
    }
    const time = document.createElement("time");
    const created = msg.created ? new Date(msg.created) : null;
    if (created && !isNaN(created)) {
      time.dateTime = msg.created;
      time.title = created.toLocaleString();
      time.textContent = timeFormat.format(created);
    }
    head.append(time);
    body.append(head);

    const attachment = (msg.attachments || []).find((a) => a && a.contentType === CARD_TYPE && a.content);
    const rendered = attachment ? renderCardInto(msg, attachment.content) : null;
    if (!rendered) body.append(textBlock(msg));
    else body.append(rendered);

    li.append(avatar(name, fromBot), body);
    return li;
  }

  function textBlock(msg) {
    const div = document.createElement("div");
    div.className = "message-text";
    div.dataset.testid = "message-text";
    div.innerHTML = markdownToHtml(msg.markdown != null ? msg.markdown : msg.text || "");
    return div;
  }

  // Returns the card's container, or null (then the message's markdown shows instead).
  function renderCardInto(msg, content) {
    const { card, element, problems } = buildCard(content);
    reportProblems(`message ${msg.id}`, problems);
    if (!element) return null;
    const wrap = document.createElement("div");
    wrap.className = "card-wrap";
    const container = document.createElement("div");
    container.className = "card";
    container.dataset.testid = "card";
    container.append(element);
    const status = document.createElement("p");
    status.className = "card-status";
    status.dataset.testid = "card-status";
    status.hidden = true;
    card.onExecuteAction = (action) => onCardAction(action, msg.id, status);
    wrap.append(container, status);
    return wrap;
  }

  function nearBottom(list) {
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  // Inserts by creation time, so a reply that overtakes our own POST still lands below it.
  function addMessages(messages, forceScroll) {
    const list = $("messages");
    const stick = forceScroll || nearBottom(list);
    for (const msg of messages) {
      if (state.shown.has(msg.id)) continue;
      state.shown.add(msg.id);
      const node = renderMessage(msg);
      const later = [...list.children].find((li) => msg.created && li.dataset.created > msg.created);
      list.insertBefore(node, later || null);
    }
    if (stick) list.scrollTop = list.scrollHeight;
  }

  async function showRoom(roomKey) {
    state.roomKey = spaces().some((s) => s.key === roomKey) ? roomKey : "direct";
    state.unread[state.roomKey] = 0;
    const space = currentSpace();
    const run = ++state.loadRun;
    renderSpaces();
    rememberInUrl();
    $("space-title").textContent = space.title;
    $("space-subtitle").textContent = space.subtitle;
    $("composer-mention").hidden = space.key !== "group";
    $("composer-input").placeholder = space.key === "group"
      ? `Write a message to ${space.title} (mentions ${state.world.people.bot.displayName})`
      : `Write a message to ${space.title}`;
    $("messages").replaceChildren();
    state.shown.clear();
    try {
      const data = await webex("GET", `/v1/messages?roomId=${enc(space.roomId)}&max=50`);
      if (run !== state.loadRun) return;
      addMessages((data.items || []).slice().reverse(), true);
    } catch (err) {
      if (run === state.loadRun) toast(`Couldn't load messages: ${err.message}`, true);
    }
  }

  async function sendMessage(event) {
    event.preventDefault();
    const input = $("composer-input");
    const text = input.value.trim();
    if (!text) return;
    const space = currentSpace();
    const bot = state.world.people.bot;
    // In a group space Webex only shows a bot the messages that mention it.
    const markdown = space.key === "group" ? `<@personId:${state.world.botId}|${bot.displayName}> ${text}` : text;
    input.value = "";
    try {
      const msg = await webex("POST", "/v1/messages", { roomId: space.roomId, markdown });
      if (msg.roomId === currentSpace().roomId) addMessages([msg], true);
    } catch (err) {
      if (!input.value) input.value = text;
      toast(`Couldn't send: ${err.message}`, true);
    }
  }

  // ---------------------------------------------------------------- live feed

  // Long-polls the local Webex feed for the person. Resolves once the current seq is
  // known, so history loaded afterwards plus the feed from that seq miss nothing.
  function followFeed() {
    const run = ++state.feedRun;
    if (state.feedAbort) state.feedAbort.abort();
    const abort = (state.feedAbort = new AbortController());
    const personId = me().id;
    let markReady;
    const ready = new Promise((resolve) => (markReady = resolve));
    (async () => {
      let after = null;
      let failures = 0;
      while (run === state.feedRun) {
        try {
          const wait = after === null ? 0 : FEED_WAIT_SECONDS;
          const url = `${state.webexUrl}/_sandbox/feed?after=${after === null ? 0 : after}` +
            `&wait=${wait}&personId=${enc(personId)}`;
          const res = await fetch(url, { signal: abort.signal, cache: "no-store" });
          if (!res.ok) throw new Error(`feed: HTTP ${res.status}`);
          const body = await res.json();
          if (run !== state.feedRun) return;
          if (after === null && failures) showRoom(state.roomKey); // we may have missed some
          else if (after !== null) onFeedItems(body.items || []);
          after = body.seq;
          failures = 0;
          setLive("live");
          markReady();
        } catch (err) {
          if (run !== state.feedRun || err.name === "AbortError") return;
          failures += 1;
          setLive("reconnecting");
          markReady();
          await sleep(Math.min(5000, 500 * failures));
        }
      }
    })();
    return ready;
  }

  function onFeedItems(items) {
    const roomId = currentSpace().roomId;
    const fresh = [];
    for (const item of items) {
      if (item.event && item.event !== "created") continue;
      if (item.roomId === roomId) {
        fresh.push(item);
      } else if (item.personId !== me().id) {
        const other = spaces().find((space) => space.roomId === item.roomId);
        if (other) state.unread[other.key] += 1;
      }
    }
    if (fresh.length) addMessages(fresh, false);
    renderSpaces();
  }

  function setLive(kind) {
    const live = $("live");
    live.dataset.state = kind;
    live.textContent = kind === "live" ? "Live" : "Reconnecting…";
  }

  // ---------------------------------------------------------------- phone

  function restartPhone() {
    state.phoneRun += 1;
    clearTimeout(state.phoneTimeout);
    state.prefill = { number: "", digits: "" };
    $("dial-number").value = "";
    $("dial-digits").value = "";
    $("phone-error").hidden = true;
    renderPhone({ state: "idle", number: null, connectedSince: null, meeting: null, participants: [], dialIn: null });
    pollPhone();
  }

  async function pollPhone() {
    const run = state.phoneRun;
    let delay = PHONE_POLL_MS;
    try {
      const phone = await api("GET", `/sandbox/api/phone/${enc(me().id)}`);
      if (run === state.phoneRun) renderPhone(phone);
    } catch (err) {
      delay = 2000; // the bot app is down or restarting: ask less often
    }
    if (run === state.phoneRun) state.phoneTimeout = setTimeout(pollPhone, delay);
  }

  // A tel: link ("Call now" on the dial-in card) dials from the simulated phone: the number, then after
  // the "," pauses the access code and attendee ID, each ending with # (written %23 in the link).
  function dialFromLink(url) {
    const [number, ...rest] = decodeURIComponent(url.replace(/^tel:/i, "")).split(",");
    phoneAction("dial", { number, digits: rest.join("") });
  }

  async function phoneAction(verb, body) {
    const run = state.phoneRun;
    $("phone-error").hidden = true;
    try {
      const phone = await api("POST", `/sandbox/api/phone/${enc(me().id)}/${verb}`, body);
      if (run === state.phoneRun) renderPhone(phone);
    } catch (err) {
      if (run !== state.phoneRun) return;
      $("phone-error").innerHTML = inline(err.message); // the simulator's messages quote commands in `code`
      $("phone-error").hidden = false;
    }
  }

  function renderPhone(phone) {
    if (state.phone && state.phone.state !== phone.state) $("phone-error").hidden = true; // it was about the old state
    state.phone = phone;
    const kind = HEADLINES[phone.state] ? phone.state : "idle";
    $("phone").dataset.state = kind;
    $("phone-state").textContent = phone.state;
    $("phone-headline").textContent = HEADLINES[kind];
    const dialIn = phone.dialIn;
    $("phone-number").textContent =
      kind === "dialling-in" && dialIn ? `Call ${dialIn.number}` : phone.number && kind !== "idle" ? phone.number : "";
    $("phone-meeting").textContent = phone.meeting ? `Meeting ${phone.meeting}` : "";
    $("phone-answer").hidden = kind !== "ringing";
    $("phone-decline").hidden = kind !== "ringing";
    $("phone-hangup").hidden = kind !== "connected";
    $("phone-timer").hidden = kind !== "connected";
    tickTimer();

    const participants = phone.participants || [];
    const list = $("phone-participants");
    const signature = JSON.stringify(participants);
    if (list.dataset.signature !== signature) { // rebuild only on change: no flicker at 2 Hz
      list.dataset.signature = signature;
      list.replaceChildren(...participants.map((p) => {
        const li = document.createElement("li");
        li.dataset.testid = "phone-participant";
        li.innerHTML = `<span class="participant-name">${escapeHtml(p.name)}</span>` +
          `<span class="participant-state">${escapeHtml(String(p.state).toLowerCase())}</span>`;
        return li;
      }));
    }
    $("participants-empty").hidden = participants.length > 0;

    if (dialIn) {
      prefill("dial-number", "number", dialIn.number);
      if (dialIn.accessCode && dialIn.attendeeId) prefill("dial-digits", "digits", `${dialIn.accessCode}#${dialIn.attendeeId}#`);
    }
  }

  // Fills a dial field unless the person has typed their own value into it.
  function prefill(id, key, value) {
    const input = $(id);
    if (!value) return;
    if (input.value === "" || input.value === state.prefill[key]) input.value = value;
    state.prefill[key] = value;
  }

  function tickTimer() {
    const phone = state.phone;
    if (!phone || phone.state !== "connected") return;
    const since = Number(phone.connectedSince);
    const seconds = since ? Math.max(0, Math.floor(Date.now() / 1000 - since)) : 0;
    const pad = (n) => String(n).padStart(2, "0");
    const hours = Math.floor(seconds / 3600);
    const mmss = `${pad(Math.floor((seconds % 3600) / 60))}:${pad(seconds % 60)}`;
    $("phone-timer").textContent = hours ? `${hours}:${mmss}` : mmss;
  }

  function buildKeypad() {
    const pad = $("keypad");
    for (const key of "123456789*0#") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "key";
      button.textContent = key;
      button.setAttribute("aria-label", `Key ${key}`);
      button.addEventListener("click", () => {
        $("dial-digits").value += key;
      });
      pad.append(button);
    }
  }

  // ---------------------------------------------------------------- page

  let toastTimer = null;
  function toast(text, isError) {
    const box = $("toast");
    box.textContent = text;
    box.dataset.kind = isError ? "error" : "info";
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (box.hidden = true), isError ? 6000 : 3000);
  }

  function banner(text) {
    $("banner").textContent = text || "";
    $("banner").hidden = !text;
  }

  function rememberInUrl() {
    const url = new URL(location.href);
    url.searchParams.set("person", state.personKey);
    url.searchParams.set("space", state.roomKey);
    history.replaceState(null, "", url);
  }

  async function loadConfig() {
    const config = await api("GET", "/sandbox/api/config");
    state.webexUrl = String(config.webexUrl).replace(/\/+$/, "");
    state.world = config.world;
  }

  async function selectPerson(key, roomKey) {
    const run = ++state.selectRun;
    state.personKey = state.world.people[key] ? key : "alice";
    state.roomKey = spaces().some((s) => s.key === roomKey) ? roomKey : "direct";
    state.unread = { direct: 0, group: 0 };
    $("person-picker").value = state.personKey;
    state.loadRun += 1; // drop any history still loading for the previous person
    $("messages").replaceChildren();
    state.shown.clear();
    renderSpaces();
    restartPhone();
    await followFeed();
    if (run === state.selectRun) await showRoom(state.roomKey);
  }

  async function reset() {
    const button = $("reset");
    button.disabled = true;
    // Stop asking about the old world's people while it is being replaced.
    state.phoneRun += 1;
    state.feedRun += 1;
    if (state.feedAbort) state.feedAbort.abort();
    try {
      await api("POST", "/sandbox/api/reset");
      await loadConfig(); // ids change with every fresh world
      await selectPerson(state.personKey, state.roomKey);
      toast("Fresh sandbox world: new ids, no messages, phones idle.");
    } catch (err) {
      toast(`Reset failed: ${err.message}`, true);
      selectPerson(state.personKey, state.roomKey); // carry on with whatever world there is
    } finally {
      button.disabled = false;
    }
  }

  async function start() {
    const params = new URLSearchParams(location.search);
    if (params.get("person")) $("person-picker").value = params.get("person");
    for (let attempt = 1; ; attempt++) {
      try {
        await loadConfig();
        break;
      } catch (err) {
        banner(`Can't reach the sandbox (${err.message}). Retrying…`);
        await sleep(Math.min(5000, 1000 * attempt));
      }
    }
    banner("");
    // The picker, not the URL: someone may have chosen a person while the config loaded.
    await selectPerson($("person-picker").value, params.get("space") || "direct");
    document.body.dataset.ready = "true";
  }

  buildKeypad();
  $("person-picker").addEventListener("change", (e) => {
    if (state.world) selectPerson(e.target.value, state.roomKey); // else start() reads the picker
  });
  $("reset").addEventListener("click", reset);
  $("composer").addEventListener("submit", sendMessage);
  $("phone-answer").addEventListener("click", () => phoneAction("answer"));
  $("phone-decline").addEventListener("click", () => phoneAction("decline"));
  $("phone-hangup").addEventListener("click", () => phoneAction("hangup"));
  $("dial-form").addEventListener("submit", (e) => {
    e.preventDefault();
    phoneAction("dial", { number: $("dial-number").value.trim(), digits: $("dial-digits").value.replace(/\s+/g, "") });
  });
  setInterval(tickTimer, 250);
  start();
})();
