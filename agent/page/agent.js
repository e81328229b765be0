/*
 * The in-browser half of the meeting agent: one page per person, driven from Python
 * (Playwright) through window.phoneAgent, reporting through window.agentEmit(event).
 *
 * It runs around the Webex Web Meetings SDK bundle (window.Webex, npm webex@3.12.0
 * umd/meetings.min.js, unmodified). What the SDK does is read from @webex/plugin-meetings
 * 3.12.0's own src/ (npm pack); file:line references below are to that package.
 * Protocol, events and error codes: README.md next to this file.
 *
 * Rules kept here:
 *  - commands run one at a time, in the order handle() was called;
 *  - events reach Python in the order they were produced (one promise chain);
 *  - handle() never rejects: every failure becomes an `error` event and {ok: false};
 *  - the person's password is used for verifyPassword() only, never logged or emitted;
 *  - phones are hung up before the page leaves a meeting: Meeting#leave() leaves the web
 *    device only (meeting/request.ts:549, body.device is the web device), so a phone would
 *    stay in the meeting with nobody to hang it up.
 */
(function () {
  'use strict';

  var PSTN = {
    JOINED: 'JOINED',
    CONNECTED: 'CONNECTED',
    LEFT: 'LEFT',
    TRANSFERRING: 'TRANSFERRING',
    SUCCESS: 'SUCCESS',
  };
  // What the SDK counts as provisioned (meeting/index.ts:6370, isPhoneProvisioned).
  var PROVISIONED = [PSTN.JOINED, PSTN.CONNECTED, PSTN.SUCCESS];
  var KNOWN = [PSTN.JOINED, PSTN.CONNECTED, PSTN.LEFT, PSTN.TRANSFERRING, PSTN.SUCCESS, ''];
  var KINDS = ['dialIn', 'dialOut'];

  var EVENTS = {
    PHONE_AUDIO_UPDATE: 'meeting:self:phoneAudioUpdate',
    LOBBY_WAITING: 'meeting:self:lobbyWaiting',
    GUEST_ADMITTED: 'meeting:self:guestAdmitted',
    // On webex.meetings, after the SDK has cleaned the meeting up (meetings/index.ts:1406-1446):
    // ended or terminating (locus-info/index.ts:1356-1382), removed by the host or turned away
    // from the lobby (SELF_REMOVED, locus-info/index.ts:1386-1398). `meeting:self:left` is not
    // it: it fires only after a media-inactivity disconnect, which a meeting without media
    // never has.
    MEETING_REMOVED: 'meeting:removed',
  };

  // meetingInfoFailureReason, set by Meeting#fetchMeetingInfoInternal (meeting/index.ts:1978-2068).
  // create() swallows those errors and resolves (meetings/index.ts:1765-1772): read them after it.
  var INFO = {
    NONE: 'NONE',
    WRONG_PASSWORD: 'WRONG_PASSWORD',
    WRONG_CAPTCHA: 'WRONG_CAPTCHA',
    POLICY: 'POLICY',
    WEBINAR_REGISTRATION: 'WEBINAR_REGISTRATION',
    WEBINAR_NEED_REGISTRATION_ID: 'WEBINAR_NEED_REGISTRATION_ID',
    NEED_JOIN_WITH_WEBCAST: 'NEED_JOIN_WITH_WEBCAST',
    NOT_REACH_JBH: 'NOT_REACH_JBH',
    JOIN_FORBIDDEN: 'JOIN_FORBIDDEN',
  };
  // wbxappapi 403034: the meeting needs a signed-in user. The SDK makes every 403 it has no
  // table for a password error (meeting-info/meeting-info-v2.ts:773), so this arrives as
  // passwordStatus REQUIRED; only meetingInfoFailureCode tells them apart.
  var INFO_LOGIN_REQUIRED = 403034;

  // Locus error codes (JoinMeetingError.error.body.errorCode, or the HTTP error's body for a
  // provisioning request). Names from @webex/internal-plugin-metrics 3.12.0
  // src/call-diagnostic/config.ts:231-292.
  var LOCUS_NOT_FOUND = [2403014, 2403015, 2404001, 2404002];
  var LOCUS_NEEDS_HOST_PIN = [2423005, 2423006, 2423016, 2423017, 2423018];
  // max participants (free, paid, service, joined), owner's concurrent meeting limit, lobby full
  var LOCUS_FULL = [2403001, 2403002, 2403003, 2403018, 2403019, 2423012, 2423021];
  var LOCUS_LOCKED = [2423003, 2403007, 2403010, 2403022, 2401002, 2423009, 2423008, 2403025];
  var LOCUS_NOT_ACTIVE = [2403004, 2423004, 2423007, 2423010];
  // empty number, not a number, too short after IDD, too long, invalid dialable key, invalid invitee
  var LOCUS_BAD_NUMBER = [2400006, 2400008, 2400009, 2400011, 2400012, 2400025];

  var DEFAULTS = {
    stepTimeoutMs: 45000,        // one SDK call (create, verifyPassword, join, usePhoneAudio, ...)
    lobbyTimeoutMs: 600000,      // how long a participant may wait in the lobby
    notStartedTimeoutMs: 600000, // how long to keep trying a meeting the host has not started
    notStartedRetryMs: 15000,    // how often to ask again
    startTimeoutMs: 60000,       // Webex.init + meetings.register
    pendingTimeoutMs: 30000,     // how long a provisioned device may take to show its first status
    unknownStatusTimeoutMs: 60000, // a PSTN status we don't know counts as active this long
    hangUpTimeoutMs: 10000,      // how long to wait for phones to hang up before leaving
  };

  function settings() {
    var given = window.phoneAgentConfig || {};
    var out = {};
    Object.keys(DEFAULTS).forEach(function (key) {
      out[key] = typeof given[key] === 'number' && given[key] > 0 ? given[key] : DEFAULTS[key];
    });
    return out;
  }

  function minutes(ms) {
    var n = Math.max(1, Math.round(ms / 60000));
    return n === 1 ? 'a minute' : n + ' minutes';
  }

  // --- errors ------------------------------------------------------------------------

  function AgentError(code, reason) {
    var err = new Error(code + ': ' + reason);
    err.name = 'AgentError';
    err.code = code;
    err.reason = reason;
    err.isAgentError = true;
    return err;
  }

  // Words a person reads after "I couldn't call you: ".
  var REASONS = {
    token_expired: "the meeting service's Webex sign-in has expired or was refused",
    meeting_not_found: "that meeting couldn't be found; check the meeting number, link or SIP address",
    meeting_locked: "the meeting is locked; ask the host to unlock it, then try again",
    meeting_full: "the meeting is full; try again when someone has left",
    meeting_needs_host: 'the meeting only lets people in with a host PIN or once the host admits them; ' +
      'join from your Webex app instead',
    meeting_forbidden: "the meeting's settings don't allow the meeting service to join it; join from your Webex app instead",
    webinar_registration: 'this is a webinar that needs registration; register, then join from your Webex app',
    webinar_webcast: 'this webinar can only be watched as a webcast, which has no phone audio',
    login_required: 'the meeting only admits signed-in Webex users, and the meeting service joins as a guest; ' +
      'join from your Webex app instead',
    password_required: 'this meeting needs a password; send the meeting again with its password',
    password_wrong: "that meeting password isn't right; check it and try again",
    captcha_required: "Webex wants a captcha for this meeting, which the bot can't answer; " +
      'join the meeting from your Webex app instead',
    meeting_not_active: 'the meeting has ended or is not open for joining right now',
    meeting_not_started: "the host still hasn't started the meeting, so I stopped trying; ask again once it has started",
    lobby_denied: "the host didn't let you in from the lobby",
    lobby_timeout: 'the host did not let you in from the lobby in time',
    meeting_ended: 'the meeting ended',
    removed: 'the host removed you from the meeting',
    provisioning_rejected: "Webex didn't accept the phone audio request for this meeting",
    number_rejected: "that number can't be called from this meeting; check it, or use dial-in instead",
    sdk_error: 'something went wrong talking to Webex',
  };

  function text(value) {
    if (value === undefined || value === null) return '';
    try {
      return String(value);
    } catch (e) {
      return '';
    }
  }

  function shorten(message) {
    var s = text(message).replace(/\s+/g, ' ').trim();
    return s.length > 200 ? s.slice(0, 197) + '...' : s;
  }

  function innerOf(err) {
    if (!err || typeof err !== 'object') return {};
    var inner = err.error || err.original || err.cause;
    return inner && typeof inner === 'object' ? inner : {};
  }

  function numberOf(value) {
    var n = typeof value === 'string' ? parseInt(value, 10) : value;
    return typeof n === 'number' && isFinite(n) ? n : null;
  }

  function failure(code) {
    return { code: code, reason: REASONS[code] };
  }

  /*
   * Turns anything thrown by the SDK into {code, reason}.
   * stage: 'start' | 'create' | 'password' | 'join' | 'provision' | 'disconnect' | 'other'
   * ctx.hadPassword: a password was given with the command.
   */
  function classify(err, stage, ctx) {
    ctx = ctx || {};
    if (err && err.isAgentError) return { code: err.code, reason: err.reason };
    var e = err && typeof err === 'object' ? err : { message: text(err) };
    var inner = innerOf(e);
    var name = text(e.name);
    var innerName = text(inner.name);
    var message = text(e.message) + ' ' + text(inner.message);
    // The SDK's HTTP errors are minified classes (name "t"): statusCode and body are what tell.
    var status = numberOf(e.statusCode) || numberOf(inner.statusCode);
    var rawStatus = e.statusCode !== undefined ? e.statusCode : inner.statusCode;
    var body = (e.body && typeof e.body === 'object' ? e.body : null) ||
      (inner.body && typeof inner.body === 'object' ? inner.body : null) || {};
    var locusCode = numberOf(body.errorCode);
    var names = name + ' ' + innerName;

    if (status === 401 || /SDK cannot authorize/i.test(message)) return failure('token_expired');
    if (rawStatus === 0 || /\bNetworkOrCORSError\b/.test(names)) {
      return { code: 'sdk_error', reason: "Webex couldn't be reached; try again in a moment" };
    }
    // Thrown by join() when its permission-token refresh needs them (meeting/index.ts:6089-6094).
    if (/\bCaptchaError\b/.test(names)) return failure('captcha_required');
    if (/\bPasswordError\b/.test(names)) return failure(ctx.hadPassword ? 'password_wrong' : 'password_required');
    if (/\bPermissionError\b/.test(names)) return failure('meeting_forbidden');
    if (stage === 'provision') {
      if (LOCUS_BAD_NUMBER.indexOf(locusCode) >= 0) return failure('number_rejected');
      if (LOCUS_NOT_ACTIVE.indexOf(locusCode) >= 0) return failure('meeting_not_active');
      var detail = shorten(body.message || inner.message || e.message);
      return {
        code: 'provisioning_rejected',
        reason: REASONS.provisioning_rejected + (detail ? ' (' + detail + ')' : ''),
      };
    }
    if (/\bNoMeetingInfo/.test(names) || status === 404 || LOCUS_NOT_FOUND.indexOf(locusCode) >= 0) {
      return failure('meeting_not_found');
    }
    if (LOCUS_NOT_ACTIVE.indexOf(locusCode) >= 0) return failure('meeting_not_active');
    // IntentToJoinError: MeetingUtil.isPinOrGuest (meeting/util.ts:568)
    if (/\bIntentToJoinError\b/.test(names) || LOCUS_NEEDS_HOST_PIN.indexOf(locusCode) >= 0) {
      return failure('meeting_needs_host');
    }
    if (LOCUS_FULL.indexOf(locusCode) >= 0) return failure('meeting_full');
    if (LOCUS_LOCKED.indexOf(locusCode) >= 0) return failure('meeting_locked');
    var said = shorten(e.message || inner.message || name);
    return { code: 'sdk_error', reason: REASONS.sdk_error + (said ? ' (' + said + ')' : '') };
  }

  function withTimeout(promise, ms, what) {
    var timer;
    var timeout = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        reject(AgentError('sdk_error', 'Webex did not answer in time (' + what + ')'));
      }, ms);
    });
    return Promise.race([Promise.resolve(promise), timeout]).then(function (value) {
      clearTimeout(timer);
      return value;
    }, function (err) {
      clearTimeout(timer);
      throw err;
    });
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // --- events to Python, in order -------------------------------------------------------

  var emitChain = Promise.resolve();

  function emit(event) {
    emitChain = emitChain.then(function () {
      if (typeof window.agentEmit !== 'function') {
        console.warn('phoneAgent: window.agentEmit is missing; event dropped', event && event.type);
        return undefined;
      }
      return window.agentEmit(event);
    }).then(function () {
      return undefined;
    }, function (err) {
      console.error('phoneAgent: agentEmit failed', err);
    });
    return emitChain;
  }

  // --- state ---------------------------------------------------------------------------

  var webex = null;
  var startedToken = null;
  var displayName = '';
  var starting = null;

  var commandSeq = 0;
  var queue = Promise.resolve();

  function freshDevices() {
    return {
      dialIn: { status: '', attendeeId: undefined },
      dialOut: { status: '', attendeeId: undefined, reason: undefined },
    };
  }

  // Everything about the one meeting this page is in (or about to be in).
  var cur = null;

  function clearTimers() {
    if (!cur) return;
    KINDS.forEach(function (kind) {
      clearTimeout(cur.pendingTimers[kind]);
      clearTimeout(cur.unknownTimers[kind]);
    });
    clearInterval(cur.attendeePoll);
  }

  function resetMeetingState() {
    clearTimers();
    cur = {
      meeting: null,
      key: null,          // destination as given to create()
      joined: false,
      lobby: false,
      ended: null,        // {code, reason} once the SDK removed the meeting
      lastCommandId: null,
      devices: freshDevices(),
      // The SDK keeps a Meeting for a destination after leave() (for non-guests) with the
      // device statuses it last saw; create() hands it back (meetings/index.ts:1555-1560). Its
      // statuses count only once this page has heard an update for this join.
      heard: { dialIn: false, dialOut: false },
      lastPayload: null,
      commandFor: { dialIn: null, dialOut: null },
      commandOrder: {},   // command id -> sequence number
      pending: { dialIn: false, dialOut: false },
      pendingTimers: { dialIn: null, dialOut: null },
      unknownTimers: { dialIn: null, dialOut: null },
      unknownExpired: { dialIn: false, dialOut: false },
      attendeePoll: null,
      admissionWaiters: [],
      deferredDisconnect: null,   // command id of a hang-up waiting for TRANSFERRING to end
    };
  }
  resetMeetingState();

  function enqueue(task) {
    var run = queue.then(task);
    queue = run.then(function () {}, function (err) {
      console.error('phoneAgent: task failed', err);
    });
    return run;
  }

  // Locus's raw status (`dialingStatus ?? state`, meeting/index.ts:2660): normally a PSTN_STATUS.
  function statusOf(device) {
    var s = device && device.status;
    return s === undefined || s === null || s === 'UNKNOWN' ? '' : String(s);
  }

  function isProvisioned(status) {
    return PROVISIONED.indexOf(status) >= 0;
  }

  function isActive(status, kind) {
    if (isProvisioned(status) || status === PSTN.TRANSFERRING) return true;
    // A status this page doesn't know: the phone may well still be up, so it counts as
    // active until unknownStatusTimeoutMs has passed without another status.
    return KNOWN.indexOf(status) < 0 && !(kind && cur.unknownExpired[kind]);
  }

  // The status the SDK itself holds once it has spoken for this join, else what its last event said.
  function liveStatus(kind) {
    var m = cur.meeting;
    var attr = kind === 'dialIn' ? 'dialInDeviceStatus' : 'dialOutDeviceStatus';
    var fromEvent = statusOf(cur.devices[kind]);
    if (m && cur.heard[kind] && typeof m[attr] === 'string' && m[attr] !== 'UNKNOWN') {
      // The attribute changes before the event is triggered; trust whichever is more active.
      return isActive(m[attr], kind) || !isActive(fromEvent, kind) ? m[attr] : fromEvent;
    }
    return fromEvent;
  }

  function currentPayload() {
    if (cur.lastPayload) return cur.lastPayload;
    var d = cur.devices;
    return {
      dialIn: { status: liveStatus('dialIn'), attendeeId: d.dialIn.attendeeId },
      dialOut: { status: liveStatus('dialOut'), attendeeId: d.dialOut.attendeeId, reason: d.dialOut.reason },
    };
  }

  function concern(commandId, kinds) {
    commandSeq += 1;
    cur.commandOrder[commandId] = commandSeq;
    cur.lastCommandId = commandId;
    kinds.forEach(function (kind) { cur.commandFor[kind] = commandId; });
  }

  function newerOf(a, b) {
    if (!a) return b;
    if (!b) return a;
    return (cur.commandOrder[a] || 0) >= (cur.commandOrder[b] || 0) ? a : b;
  }

  // --- SDK events ----------------------------------------------------------------------

  function onPhoneAudioUpdate(meeting, payload) {
    if (meeting !== cur.meeting || cur.ended) return;   // an old meeting, already left
    var p = payload && typeof payload === 'object' ? payload : {};
    var next = {
      dialIn: Object.assign({ status: '', attendeeId: undefined }, p.dialIn || {}),
      dialOut: Object.assign({ status: '', attendeeId: undefined, reason: undefined }, p.dialOut || {}),
    };
    var prev = cur.devices;
    var changed = {};
    KINDS.forEach(function (kind) {
      var was = statusOf(prev[kind]);
      var now = statusOf(next[kind]);
      changed[kind] = was !== now || text(prev[kind].attendeeId) !== text(next[kind].attendeeId) ||
        text(prev[kind].reason) !== text(next[kind].reason);
      if (was !== now) {
        cur.heard[kind] = true;
        if (cur.pending[kind]) clearPending(kind);
        watchUnknown(kind, now);
      }
    });
    var commandId = commandForChange(changed);
    cur.devices = next;
    cur.lastPayload = payload;
    emit({ type: 'phone_audio_update', command_id: commandId, payload: payload });
    watchAttendeeId(meeting);

    if (cur.deferredDisconnect && statusOf(next.dialOut) !== PSTN.TRANSFERRING) {
      enqueue(runDeferredDisconnect);
    }
    enqueue(function () { return endIfIdle(commandId); });
  }

  function commandForChange(changed) {
    var commandId;
    if (changed.dialOut && !changed.dialIn) commandId = cur.commandFor.dialOut;
    else if (changed.dialIn && !changed.dialOut) commandId = cur.commandFor.dialIn;
    else commandId = newerOf(cur.commandFor.dialIn, cur.commandFor.dialOut);
    return commandId || cur.lastCommandId;
  }

  function watchUnknown(kind, status) {
    clearTimeout(cur.unknownTimers[kind]);
    cur.unknownExpired[kind] = false;
    if (KNOWN.indexOf(status) >= 0) return;
    console.warn('phoneAgent: unknown phone status', status);
    var meeting = cur.meeting;
    cur.unknownTimers[kind] = setTimeout(function () {
      if (meeting !== cur.meeting) return;
      cur.unknownExpired[kind] = true;   // nothing more came: the phone is taken as gone
      enqueue(function () { return endIfIdle(cur.commandFor[kind]); });
    }, settings().unknownStatusTimeoutMs);
  }

  // A dial-in's attendee ID may come after its JOINED status, and the SDK triggers
  // phoneAudioUpdate only when a status changes (meeting/index.ts:2661-2697): read it from
  // the Locus self it keeps (locusInfo.self.devices) until it shows up.
  function watchAttendeeId(meeting) {
    var d = cur.devices.dialIn;
    clearInterval(cur.attendeePoll);
    cur.attendeePoll = null;
    if (!isProvisioned(statusOf(d)) || d.attendeeId) return;
    var started = Date.now();
    cur.attendeePoll = setInterval(function () {
      if (meeting !== cur.meeting || cur.devices.dialIn.attendeeId ||
          Date.now() - started > settings().pendingTimeoutMs) {
        clearInterval(cur.attendeePoll);
        return;
      }
      var self = meeting.locusInfo && meeting.locusInfo.self;
      var devices = self && Array.isArray(self.devices) ? self.devices : [];
      var found = devices.filter(function (x) { return x && x.url === meeting.dialInUrl && x.attendeeId; })[0];
      if (!found) return;
      clearInterval(cur.attendeePoll);
      var base = cur.lastPayload || currentPayload();
      var payload = {
        dialIn: Object.assign({}, base.dialIn, { attendeeId: found.attendeeId }),
        dialOut: Object.assign({}, base.dialOut),
      };
      cur.devices.dialIn = Object.assign({}, cur.devices.dialIn, { attendeeId: found.attendeeId });
      cur.lastPayload = payload;
      emit({ type: 'phone_audio_update', command_id: cur.commandFor.dialIn || cur.lastCommandId, payload: payload });
    }, 250);
  }

  function onLobbyWaiting(meeting) {
    if (meeting !== cur.meeting || cur.lobby) return;
    cur.lobby = true;
    emit({ type: 'lobby', command_id: cur.lastCommandId, waiting: true });
  }

  function onGuestAdmitted(meeting) {
    if (meeting !== cur.meeting || !cur.lobby) return;
    cur.lobby = false;
    emit({ type: 'lobby', command_id: cur.lastCommandId, waiting: false });
    cur.admissionWaiters.splice(0).forEach(function (waiter) { waiter.resolve(); });
  }

  // Phone audio can't be provisioned from the lobby: wait (Python has extended the command's
  // deadline while the lobby lasts) until the host lets the participant in.
  function admitted(meeting) {
    if (meeting !== cur.meeting || !cur.lobby) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      cur.admissionWaiters.push({ resolve: resolve, reject: reject });
      setTimeout(function () { reject(AgentError('lobby_timeout', REASONS.lobby_timeout)); },
        settings().lobbyTimeoutMs);
    });
  }

  // The SDK removed the meeting: ended, or the host removed us / turned us away from the lobby.
  // Not queued: a command may be waiting in the lobby for exactly this.
  function onMeetingRemoved(payload) {
    var p = payload || {};
    Object.keys(kept).forEach(function (key) {
      if (kept[key].id === p.meetingId) delete kept[key];
    });
    var meeting = cur.meeting;
    if (!meeting || p.meetingId !== meeting.id || cur.ended) return;
    var reason = text(p.reason);
    if (/^CLIENT_LEAVE_REQUEST/.test(reason)) return;   // our own leave()
    var code;
    if (reason === 'MEETING_INACTIVE_TERMINATING') code = 'meeting_ended';
    else if (reason === 'SELF_REMOVED') code = cur.lobby || !cur.joined ? 'lobby_denied' : 'removed';
    else code = 'meeting_ended';
    cur.ended = failure(code);
    var commandId = cur.lastCommandId;
    var waiters = cur.admissionWaiters.splice(0);
    waiters.forEach(function (waiter) { waiter.reject(AgentError(code, REASONS[code])); });
    // Whatever phone was up went with the meeting; the SDK says no more about it.
    var before = currentPayload();
    var dropped = false;
    var payloadOut = { dialIn: Object.assign({}, before.dialIn), dialOut: Object.assign({}, before.dialOut) };
    KINDS.forEach(function (kind) {
      if (isActive(liveStatus(kind), kind) || cur.pending[kind]) {
        payloadOut[kind].status = PSTN.LEFT;
        if (kind === 'dialOut') payloadOut[kind].reason = REASONS[code];
        dropped = true;
      }
    });
    var wasJoined = cur.joined;
    removed.set(meeting, cur.ended);
    resetMeetingState();
    if (dropped) emit({ type: 'phone_audio_update', command_id: commandId, payload: payloadOut });
    if (wasJoined) emit({ type: 'left', command_id: commandId, reason: code });
  }

  // Meetings the SDK removed, with why: a command still working on one stops with that reason.
  var removed = new WeakMap();

  function throwIfRemoved(meeting) {
    var why = removed.get(meeting);
    if (why) throw AgentError(why.code, why.reason);
  }

  // The SDK hands back the same Meeting object for a destination until it destroys it, so a
  // meeting left and joined again must not get a second set of listeners.
  var listened = new WeakSet();

  function listen(meeting) {
    if (typeof meeting.on !== 'function' || listened.has(meeting)) return;
    listened.add(meeting);
    meeting.on(EVENTS.PHONE_AUDIO_UPDATE, function (payload) { onPhoneAudioUpdate(meeting, payload); });
    meeting.on(EVENTS.LOBBY_WAITING, function () { onLobbyWaiting(meeting); });
    meeting.on(EVENTS.GUEST_ADMITTED, function () { onGuestAdmitted(meeting); });
  }

  // --- meeting lifecycle -----------------------------------------------------------------

  function destinationOf(meeting) {
    var m = meeting && typeof meeting === 'object' ? meeting : {};
    if (m.number !== undefined && m.number !== null && text(m.number).trim()) {
      var digits = text(m.number).replace(/\D/g, '');
      if (!digits) {
        throw AgentError('meeting_not_found', "that meeting number doesn't have any digits in it");
      }
      return { value: digits, type: 'MEETING_ID' };
    }
    if (m.link && text(m.link).trim()) return { value: text(m.link).trim(), type: 'MEETING_LINK' };
    if (m.sip && text(m.sip).trim()) return { value: text(m.sip).trim().replace(/^sips?:/i, ''), type: 'SIP_URI' };
    throw AgentError('meeting_not_found', 'no meeting was given: send a meeting number, link or SIP address');
  }

  function anyPhoneActive() {
    return KINDS.some(function (kind) { return isActive(liveStatus(kind), kind); });
  }

  // Waits until `done()` is true or `ms` passed; checks on each phone update.
  function waitUntil(done, ms) {
    var until = Date.now() + ms;
    return new Promise(function (resolve) {
      (function check() {
        if (done() || Date.now() > until) resolve(done());
        else setTimeout(check, 100);
      }());
    });
  }

  // Hangs up whatever phone the page holds in this meeting and waits for it to be gone.
  async function hangUpPhones() {
    var meeting = cur.meeting;
    if (!meeting || !cur.joined || !anyPhoneActive()) return;
    var ms = settings().hangUpTimeoutMs;
    // disconnectPhoneAudio() does nothing to a TRANSFERRING dial-out (meeting/index.ts:6469-6480)
    await waitUntil(function () { return liveStatus('dialOut') !== PSTN.TRANSFERRING; }, ms);
    try {
      await withTimeout(meeting.disconnectPhoneAudio(), settings().stepTimeoutMs, 'disconnectPhoneAudio');
    } catch (err) {
      console.warn('phoneAgent: could not hang up before leaving', err && err.message);
      return;
    }
    await waitUntil(function () { return meeting !== cur.meeting || !anyPhoneActive(); }, ms);
  }

  // Meetings left, by destination. The SDK keeps a left Meeting of a signed-in user in its
  // collection, holding its locusUrl (destroyed only when Locus says removed or inactive,
  // locus-info/index.ts:1356-1398), and Locus events go to whichever Meeting has that locusUrl
  // (meetings/index.ts:421). create() for a meeting number doesn't find it again (it looks up
  // by SIP URI, meetings/index.ts:1555), so a second Meeting would join and hear nothing: the
  // page joins the kept one again instead (join() allows it: meeting/index.ts:5998).
  var kept = {};

  // Leaves the current meeting (if any), phones first. Emits `left` when it had been joined.
  async function leaveCurrent(commandId) {
    if (cur.meeting && cur.joined) await hangUpPhones();
    var meeting = cur.meeting;
    var key = cur.key;
    var wasJoined = cur.joined;
    resetMeetingState();
    if (!meeting) return;
    if (wasJoined && typeof meeting.leave === 'function') {
      try {
        await withTimeout(meeting.leave(), settings().stepTimeoutMs, 'leave');
      } catch (err) {
        console.warn('phoneAgent: leave failed', err && err.message);
      }
    }
    if (!removed.has(meeting) && webex && webex.meetings.getAllMeetings &&
        webex.meetings.getAllMeetings()[meeting.id] === meeting) {
      kept[key] = meeting;
    }
    if (wasJoined) await emit({ type: 'left', command_id: commandId });
  }

  // Phone audio has ended when nothing is provisioned, transferring, being provisioned or
  // waiting to be hung up: then the meeting is left.
  function endIfIdle(commandId) {
    if (!cur.meeting || !cur.joined) return undefined;
    if (cur.pending.dialIn || cur.pending.dialOut || cur.deferredDisconnect) return undefined;
    if (anyPhoneActive()) return undefined;
    return leaveCurrent(commandId || cur.lastCommandId);
  }

  async function ensureMeeting(dest, commandId) {
    if (cur.meeting && cur.key === dest.value && !cur.ended) return cur.meeting;
    if (cur.meeting) await leaveCurrent(commandId);
    var meeting = kept[dest.value];
    delete kept[dest.value];
    if (meeting && !removed.has(meeting)) {
      resetMeetingState();
      cur.meeting = meeting;
      cur.key = dest.value;
      listen(meeting);
      return meeting;
    }
    try {
      // (destination, type, useRandomDelay, infoExtraParams, correlationId, failOnMissingMeetingInfo):
      // without failOnMissingMeetingInfo the SDK would treat an unknown destination as a 1:1 call
      // (meetings/index.ts:1773-1787).
      meeting = await withTimeout(
        webex.meetings.create(dest.value, dest.type, false, {}, undefined, true),
        settings().stepTimeoutMs, 'create');
    } catch (err) {
      var c = classify(err, 'create');
      if (c.code === 'meeting_not_found') {
        // NoMeetingInfoError is what create() says whatever went wrong fetching the info (a
        // refused token and an unreachable Webex too): tell those apart before blaming the meeting.
        try {
          await checkToken(webex);
        } catch (tokenErr) {
          c = classify(tokenErr, 'other');
        }
      }
      throw AgentError(c.code, c.reason);
    }
    if (!meeting) throw AgentError('meeting_not_found', REASONS.meeting_not_found);
    resetMeetingState();
    cur.meeting = meeting;
    cur.key = dest.value;
    listen(meeting);
    return meeting;
  }

  // What create() or a later fetchMeetingInfo() left in meetingInfoFailureReason, in words.
  function infoFailure(meeting) {
    var reason = text(meeting.meetingInfoFailureReason);
    if (reason === INFO.POLICY || reason === INFO.JOIN_FORBIDDEN) return failure('meeting_forbidden');
    if (reason === INFO.NEED_JOIN_WITH_WEBCAST) return failure('webinar_webcast');
    if (reason === INFO.WEBINAR_REGISTRATION || reason === INFO.WEBINAR_NEED_REGISTRATION_ID) {
      return failure('webinar_registration');
    }
    if (reason === INFO.WRONG_CAPTCHA || meeting.requiredCaptcha) return failure('captcha_required');
    if (numberOf(meeting.meetingInfoFailureCode) === INFO_LOGIN_REQUIRED) return failure('login_required');
    return null;
  }

  // The host has not started the meeting (wbxappapi 403003, NOT_REACH_JBH): say so, and ask
  // again every notStartedRetryMs until notStartedTimeoutMs.
  async function waitForStart(meeting, commandId) {
    if (text(meeting.meetingInfoFailureReason) !== INFO.NOT_REACH_JBH) return;
    var s = settings();
    var until = Date.now() + s.notStartedTimeoutMs;
    await emit({
      type: 'waiting', command_id: commandId, waiting: true, why: 'not_started',
      reason: "the host hasn't started the meeting yet; I'll keep trying for " + minutes(s.notStartedTimeoutMs),
      seconds: Math.round(s.notStartedTimeoutMs / 1000),
    });
    while (text(meeting.meetingInfoFailureReason) === INFO.NOT_REACH_JBH) {
      if (Date.now() + s.notStartedRetryMs > until) throw AgentError('meeting_not_started', REASONS.meeting_not_started);
      await sleep(s.notStartedRetryMs);
      if (meeting !== cur.meeting) throw AgentError('sdk_error', 'the request was replaced by another one');
      try {
        await withTimeout(meeting.fetchMeetingInfo({}), s.stepTimeoutMs, 'fetchMeetingInfo');
      } catch (err) {
        // JoinForbiddenError while the host is away; anything else is answered below
        if (text(meeting.meetingInfoFailureReason) === INFO.NOT_REACH_JBH) continue;
        if (infoFailure(meeting) || meeting.passwordStatus === 'REQUIRED') break;
        throw AgentError.apply(null, toPair(classify(err, 'create')));
      }
    }
    await emit({ type: 'waiting', command_id: commandId, waiting: false, why: 'not_started' });
  }

  function toPair(classified) {
    return [classified.code, classified.reason];
  }

  async function ensurePassword(meeting, password) {
    var refused = infoFailure(meeting);
    if (refused) throw AgentError(refused.code, refused.reason);
    if (meeting.passwordStatus !== 'REQUIRED') return;
    if (!password) throw AgentError('password_required', REASONS.password_required);
    var result;
    try {
      result = await withTimeout(meeting.verifyPassword(String(password), ''), settings().stepTimeoutMs,
        'verifyPassword');
    } catch (err) {
      throw AgentError.apply(null, toPair(classify(err, 'password', { hadPassword: true })));
    }
    if (result && result.isPasswordValid) return;
    if ((result && result.requiredCaptcha) || meeting.requiredCaptcha) {
      throw AgentError('captcha_required', REASONS.captcha_required);
    }
    refused = infoFailure(meeting);
    if (refused) throw AgentError(refused.code, refused.reason);
    throw AgentError('password_wrong', REASONS.password_wrong);
  }

  async function ensureJoined(meeting, hadPassword) {
    if (cur.joined) return;
    try {
      // No media options: the participant joins without computer audio or video, and
      // usePhoneAudio() makes the phone its audio.
      try {
        await withTimeout(meeting.join(), settings().stepTimeoutMs, 'join');
      } catch (err) {
        if (!/not registered/i.test(text(err && err.message))) throw err;
        // The SDK dropped its device registration (e.g. after a long disconnect): once more.
        await checkToken(webex);
        await withTimeout(webex.meetings.register(), settings().startTimeoutMs, 'register');
        await withTimeout(meeting.join(), settings().stepTimeoutMs, 'join');
      }
    } catch (err) {
      throw AgentError.apply(null, toPair(classify(err, 'join', { hadPassword: hadPassword })));
    }
    throwIfRemoved(meeting);
    if (meeting === cur.meeting) {
      cur.joined = true;
      adoptLocusDevices(meeting);
    }
  }

  // After a join, what Locus says about this Meeting's own phone devices (the join's DTO, in
  // locusInfo.self.devices) is the truth; the Meeting's dial*DeviceStatus may be from before a
  // leave, and the SDK triggers no update when Locus repeats the status it holds.
  function adoptLocusDevices(meeting) {
    var self = meeting.locusInfo && meeting.locusInfo.self;
    var devices = self && Array.isArray(self.devices) ? self.devices : [];
    KINDS.forEach(function (kind) {
      var url = kind === 'dialIn' ? meeting.dialInUrl : meeting.dialOutUrl;
      var found = url ? devices.filter(function (d) { return d && d.url === url; })[0] : null;
      if (!found) return;
      var status = text(found.dialingStatus !== undefined && found.dialingStatus !== null ? found.dialingStatus : found.state);
      cur.devices[kind] = { status: status, attendeeId: found.attendeeId, reason: found.reason };
      cur.heard[kind] = true;
    });
  }

  // Dial-in details: meetingInfo.audio (wbxappapi) first, then what Locus says after the join
  // (locusInfo.info.callInTollNumber and callInNumbers [{number, tollfree, label}]).
  function meetingInfoEvent(meeting, commandId) {
    var info = meeting && meeting.meetingInfo && typeof meeting.meetingInfo === 'object' ? meeting.meetingInfo : {};
    var audio = info.audio && typeof info.audio === 'object' ? info.audio : {};
    var locus = meeting && meeting.locusInfo && meeting.locusInfo.info && typeof meeting.locusInfo.info === 'object'
      ? meeting.locusInfo.info : {};
    var numbers = Array.isArray(locus.callInNumbers) ? locus.callInNumbers : [];
    var toll = numbers.filter(function (n) { return n && n.number && !n.tollfree; })[0] ||
      numbers.filter(function (n) { return n && n.number; })[0] || {};
    return {
      type: 'meeting_info',
      command_id: commandId,
      audio: {
        accessCode: text(audio.accessCode || info.meetingNumber || meeting.meetingNumber || locus.webExMeetingId)
          .replace(/\s+/g, ''),
        tollNum: text(audio.tollNum || locus.callInTollNumber || toll.number),
        tollCallInLabel: text(audio.tollCallInLabel || (audio.tollNum ? '' : toll.label)),
        globalCallinNumberWebLink: text(audio.globalCallinNumberWebLink),
      },
    };
  }

  function armPending(kind) {
    cur.pending[kind] = true;
    clearTimeout(cur.pendingTimers[kind]);
    var meeting = cur.meeting;
    cur.pendingTimers[kind] = setTimeout(function () {
      if (meeting !== cur.meeting || !cur.pending[kind]) return;
      cur.pending[kind] = false;   // no status ever came: stop waiting for it
      enqueue(function () { return endIfIdle(cur.commandFor[kind]); });
    }, settings().pendingTimeoutMs);
  }

  function clearPending(kind) {
    cur.pending[kind] = false;
    clearTimeout(cur.pendingTimers[kind]);
  }

  // --- commands ------------------------------------------------------------------------

  async function usePhoneAudioCommand(command) {
    var phoneNumber = command.phone_number ? String(command.phone_number) : '';
    var kind = phoneNumber ? 'dialOut' : 'dialIn';
    var meetingSpec = command.meeting || {};
    var password = meetingSpec.password ? String(meetingSpec.password) : '';
    var dest = destinationOf(meetingSpec);

    var meeting = await ensureMeeting(dest, command.id);
    // The person wants phone audio now: a hang-up still waiting for a transfer is dropped.
    cur.deferredDisconnect = null;
    concern(command.id, [kind]);

    await waitForStart(meeting, command.id);
    await ensurePassword(meeting, password);
    await ensureJoined(meeting, !!password);
    await admitted(meeting);
    throwIfRemoved(meeting);
    await emit(meetingInfoEvent(meeting, command.id));

    if (isActive(liveStatus(kind), kind)) {
      // One device of each kind: nothing is provisioned again; report where it stands.
      await emit({ type: 'phone_audio_update', command_id: command.id, payload: currentPayload() });
      return;
    }
    armPending(kind);
    try {
      await withTimeout(meeting.usePhoneAudio(phoneNumber || undefined), settings().stepTimeoutMs,
        'usePhoneAudio');
    } catch (err) {
      clearPending(kind);
      throw AgentError.apply(null, toPair(classify(err, 'provision')));
    }
  }

  async function disconnectCommand(command) {
    var active = KINDS.filter(function (kind) { return isActive(liveStatus(kind), kind); });
    var meeting = cur.meeting;
    if (!meeting || !cur.joined) {
      // Not in a meeting: there is nothing to hang up; say where things stand.
      if (meeting) concern(command.id, KINDS);
      await emit({ type: 'phone_audio_update', command_id: command.id, payload: currentPayload() });
      return;
    }
    concern(command.id, active.length ? active : KINDS);
    if (liveStatus('dialOut') === PSTN.TRANSFERRING) {
      // disconnectPhoneAudio() does nothing to a dial-out that is transferring: do it after.
      cur.deferredDisconnect = command.id;
      return;
    }
    if (!active.length) {
      await emit({ type: 'phone_audio_update', command_id: command.id, payload: currentPayload() });
      return;
    }
    try {
      await withTimeout(meeting.disconnectPhoneAudio(), settings().stepTimeoutMs, 'disconnectPhoneAudio');
    } catch (err) {
      throw AgentError.apply(null, toPair(classify(err, 'disconnect')));
    }
  }

  async function runDeferredDisconnect() {
    var commandId = cur.deferredDisconnect;
    var meeting = cur.meeting;
    if (!commandId || !meeting || liveStatus('dialOut') === PSTN.TRANSFERRING) return;
    cur.deferredDisconnect = null;
    if (!isProvisioned(liveStatus('dialIn')) && !isProvisioned(liveStatus('dialOut'))) return;
    try {
      await withTimeout(meeting.disconnectPhoneAudio(), settings().stepTimeoutMs, 'disconnectPhoneAudio');
    } catch (err) {
      var c = classify(err, 'disconnect');
      await emit({ type: 'error', command_id: commandId, code: c.code, reason: c.reason });
    }
  }

  async function runCommand(command) {
    var id = command && typeof command === 'object' && command.id !== undefined ? command.id : null;
    try {
      if (!command || typeof command !== 'object') throw AgentError('sdk_error', 'the command was empty');
      if (!webex || !webex.meetings) {
        throw AgentError('sdk_error', 'the meeting agent is not started (call phoneAgent.start first)');
      }
      if (command.op === 'use_phone_audio') await usePhoneAudioCommand(command);
      else if (command.op === 'disconnect_phone_audio') await disconnectCommand(command);
      else throw AgentError('sdk_error', 'unknown operation ' + JSON.stringify(text(command.op)));
      return { ok: true };
    } catch (err) {
      var c = classify(err, 'other');
      await emit({ type: 'error', command_id: id, code: c.code, reason: c.reason });
      return { ok: false, code: c.code };
    } finally {
      try {
        await endIfIdle(id);
      } catch (err) {
        console.error('phoneAgent: could not leave the meeting', err);
      }
    }
  }

  // --- start ---------------------------------------------------------------------------

  // discoveryUrl: the origin of a Webex meetings cloud other than Webex's (the local one in
  // tests): its U2C catalog names every other service, and hydra and the region lookup are
  // needed before the catalog is there.
  function sdkConfig(discoveryUrl) {
    var config = {
      logger: { level: 'error' },
      meetings: {
        // autoRejoin false: a rejoin after a disconnect needs media this page doesn't have
        // (reconnection-manager rejects it), and the meeting would linger half-joined.
        reconnection: { enabled: true, autoRejoin: false },
        enableRtx: true,
        autoUploadLogs: false,
        enableAutomaticLLM: false,
        enableReachabilityChecks: false,   // no media: no need to probe media clusters
        stats: { enableStatsAnalyzer: false },
        metrics: { autoSendMQA: false },
        experimental: { enableUnifiedMeetings: true, enableAdhocMeetings: false },
      },
    };
    if (discoveryUrl) {
      var base = discoveryUrl.replace(/\/+$/, '');
      var hydra = base + '/hydra/v1';
      config.services = { discovery: { u2c: base + '/u2c/api/v1', hydra: hydra, sqdiscovery: base + '/region' } };
      config.hydra = hydra;
      config.hydraServiceUrl = hydra;
      config.device = { preDiscoveryServices: { hydra: hydra, hydraServiceUrl: hydra } };
    }
    return config;
  }

  // Resolves when the token works; rejects with Webex's error (401: refused; 0: unreachable).
  function checkToken(instance) {
    if (!instance || !instance.people || typeof instance.people.get !== 'function') return Promise.resolve();
    return withTimeout(instance.people.get('me'), settings().stepTimeoutMs, 'people/me').then(function () {
      return undefined;
    });
  }

  async function doStart(token, name, discoveryUrl) {
    if (!window.Webex || typeof window.Webex.init !== 'function') {
      throw AgentError('sdk_error', 'the Webex SDK did not load (window.Webex is missing)');
    }
    if (webex) {
      // A new identity: phones are hung up and the meeting left before the old registration goes.
      var old = webex;
      if (cur.meeting) await leaveCurrent(cur.lastCommandId);
      webex = null;
      startedToken = null;
      if (old.meetings && typeof old.meetings.unregister === 'function') {
        await withTimeout(old.meetings.unregister(), settings().stepTimeoutMs, 'unregister').catch(function () {});
      }
    }
    var instance;
    try {
      instance = window.Webex.init({ credentials: { access_token: token }, config: sdkConfig(discoveryUrl) });
      if (instance.ready === false && typeof instance.once === 'function') {
        // The SDK loads its plugins' storage asynchronously and says `ready` (tens of ms).
        await withTimeout(new Promise(function (resolve) { instance.once('ready', resolve); }),
          settings().startTimeoutMs, 'ready');
      }
      if (instance.canAuthorize === false) throw AgentError('token_expired', REASONS.token_expired);
      // meetings.register() does not reject on a refused token or an unreachable Webex: it
      // waits (over a minute). A GET of the token's own person fails fast in both cases.
      await checkToken(instance);
      await withTimeout(instance.meetings.register(), settings().startTimeoutMs, 'register');
    } catch (err) {
      var c = classify(err, 'start');
      if (c.code === 'token_expired') throw AgentError('token_expired', c.reason);
      throw AgentError('sdk_error', c.code === 'sdk_error' ? c.reason
        : REASONS.sdk_error + ' (' + shorten((err && err.message) || err) + ')');
    }
    instance.meetings.on(EVENTS.MEETING_REMOVED, function (payload) {
      if (webex === instance) onMeetingRemoved(payload);
    });
    webex = instance;
    startedToken = token;
    displayName = name;
    return { ok: true };
  }

  function start(options) {
    var opts = options || {};
    var token = text(opts.token);
    var name = text(opts.displayName);
    var discoveryUrl = text(opts.discoveryUrl);
    if (!token) return Promise.reject(AgentError('token_expired', 'no Webex access token was given'));
    if (webex && startedToken === token) {
      displayName = name || displayName;
      return Promise.resolve({ ok: true });
    }
    if (starting) return starting;
    // Runs in the command queue, so no command sees a half-started SDK.
    starting = enqueue(function () { return doStart(token, name, discoveryUrl); });
    var done = function () { starting = null; };
    starting.then(done, done);
    return starting;
  }

  function handle(command) {
    return enqueue(function () { return runCommand(command); }).catch(function (err) {
      // runCommand never rejects; this is a last guard so Python never sees a throw.
      console.error('phoneAgent: command failed', err);
      return { ok: false, code: 'sdk_error' };
    });
  }

  function copyDevice(device, withReason) {
    var out = { status: statusOf(device), attendeeId: device.attendeeId };
    if (withReason) out.reason = device.reason;
    return out;
  }

  function state() {
    return {
      meeting: cur.meeting ? cur.key : null,
      dialIn: Object.assign(copyDevice(cur.devices.dialIn, false), { status: cur.meeting ? liveStatus('dialIn') : '' }),
      dialOut: Object.assign(copyDevice(cur.devices.dialOut, true), { status: cur.meeting ? liveStatus('dialOut') : '' }),
      joined: !!(cur.meeting && cur.joined),
      lobby: !!cur.lobby,
      deferredDisconnect: !!cur.deferredDisconnect,
      pending: { dialIn: !!cur.pending.dialIn, dialOut: !!cur.pending.dialOut },
      started: !!webex,
      displayName: displayName,
    };
  }

  window.phoneAgent = {
    ready: true,
    start: start,
    handle: handle,
    state: state,
    // Waits until every command and event handed in so far has been dealt with (tests).
    settle: function () {
      return enqueue(function () { return emitChain; }).then(function () { return emitChain; });
    },
    // Leaves the meeting, phones first (Python calls this before closing an idle page).
    leave: function () {
      return enqueue(function () { return leaveCurrent(cur.lastCommandId); });
    },
    classify: classify,
  };
}());
