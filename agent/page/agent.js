/*
 * The in-browser half of the meeting agent: one page per person, driven from Python
 * (Playwright) through window.phoneAgent, reporting through window.agentEmit(event).
 *
 * It works with the Webex Web Meetings SDK bundle (window.Webex) or with fake_webex.js,
 * which has the same surface. Protocol, events and error codes: README.md next to this file.
 *
 * Rules kept here:
 *  - commands run one at a time, in the order handle() was called;
 *  - events reach Python in the order they were produced (one promise chain);
 *  - handle() never rejects: every failure becomes an `error` event and {ok: false};
 *  - the person's password is used for verifyPassword() only, never logged or emitted.
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
  // What the SDK counts as provisioned (Meeting#isPhoneProvisioned).
  var PROVISIONED = [PSTN.JOINED, PSTN.CONNECTED, PSTN.SUCCESS];
  var KINDS = ['dialIn', 'dialOut'];

  var EVENTS = {
    PHONE_AUDIO_UPDATE: 'meeting:self:phoneAudioUpdate',
    LOBBY_WAITING: 'meeting:self:lobbyWaiting',
    GUEST_ADMITTED: 'meeting:self:guestAdmitted',
    SELF_LEFT: 'meeting:self:left',
  };

  // Locus error codes (JoinMeetingError.error.body.errorCode), from the SDK's error tables.
  var LOCUS_NOT_FOUND = [2403014, 2403015, 2404001, 2404002, 2400011, 2400012];
  var LOCUS_LOCKED = [2423003, 2423005, 2423006, 2423016, 2423017, 2423018, 2403018, 2403019, 2403002, 2403003,
    2403007, 2403010, 2403022, 2401002, 2423009, 2423008, 2403025];
  var LOCUS_NOT_ACTIVE = [2403004, 2423004, 2423007, 2423010];
  // meetingInfo (wbxappapi) codes: policy / forbidden / webinar registration.
  var INFO_LOCKED = [403049, 403104, 403103, 403048, 403102, 403101, 403003, 403021, 403022, 403024, 403137,
    423007, 403026, 403037];

  var DEFAULTS = {
    stepTimeoutMs: 45000,      // one SDK call (create, verifyPassword, join, usePhoneAudio, ...)
    lobbyTimeoutMs: 600000,    // how long a participant may wait in the lobby
    startTimeoutMs: 60000,     // Webex.init + meetings.register
    pendingTimeoutMs: 30000,   // how long a provisioned device may take to show its first status
  };

  function settings() {
    var given = window.phoneAgentConfig || {};
    var out = {};
    Object.keys(DEFAULTS).forEach(function (key) {
      out[key] = typeof given[key] === 'number' && given[key] > 0 ? given[key] : DEFAULTS[key];
    });
    return out;
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

  var REASONS = {
    token_expired: 'The Webex access token has expired or was refused. Sign in again.',
    meeting_not_found: "That meeting couldn't be found. Check the meeting number, link or SIP address.",
    meeting_locked: "The meeting is locked, so it can't be joined right now. Ask the host to unlock it or let you in.",
    password_required: 'This meeting needs a password. Send the meeting again with its password.',
    password_wrong: "That meeting password isn't right. Check it and try again.",
    captcha_required: "Webex wants a captcha for this meeting, which the bot can't answer. " +
      'Join the meeting from your Webex app instead.',
    meeting_not_active: "The meeting hasn't started yet or has already ended.",
    provisioning_rejected: "Webex didn't accept the phone audio request for this meeting.",
    sdk_error: 'Something went wrong talking to Webex.',
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

  /*
   * Turns anything thrown by the SDK (or the fake) into {code, reason}.
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
    var message = text(e.message) + ' ' + text(e.sdkMessage) + ' ' + text(inner.message);
    // The SDK's HTTP errors are minified classes (name "t"): statusCode and body are what tell.
    var status = numberOf(e.statusCode) || numberOf(inner.statusCode) || numberOf(e.status);
    var rawStatus = e.statusCode !== undefined ? e.statusCode : inner.statusCode;
    var body = (e.body && typeof e.body === 'object' ? e.body : null) ||
      (inner.body && typeof inner.body === 'object' ? inner.body : null) || {};
    var locusCode = numberOf(body.errorCode);
    var infoCode = numberOf(e.wbxAppApiCode) || numberOf(inner.wbxAppApiCode) || numberOf(body.code);
    var names = name + ' ' + innerName;

    if (status === 401 || /\b(AuthError|Unauthorized|InvalidGrantError|InvalidClientError|OAuthError)\b/.test(names) ||
        /unauthori[sz]ed|access token|token (has )?expired|invalid[_ ]token|invalid_grant|cannot authorize|not authorized|authentication failed/i.test(message)) {
      return { code: 'token_expired', reason: REASONS.token_expired };
    }
    if (rawStatus === 0 || /\bNetworkOrCORSError\b/.test(names)) {
      return { code: 'sdk_error', reason: "Webex couldn't be reached. Try again in a moment." };
    }
    if (/\bCaptchaError\b/.test(names) || name === 'MeetingInfoV2CaptchaError' || e.captchaInfo ||
        /captcha/i.test(message)) {
      return { code: 'captcha_required', reason: REASONS.captcha_required };
    }
    if (/\b(PasswordError|MeetingInfoV2PasswordError)\b/.test(names) || /password/i.test(message)) {
      return ctx.hadPassword
        ? { code: 'password_wrong', reason: REASONS.password_wrong }
        : { code: 'password_required', reason: REASONS.password_required };
    }
    if (stage === 'provision') {
      var detail = shorten(body.message || inner.message || e.message);
      return {
        code: 'provisioning_rejected',
        reason: REASONS.provisioning_rejected + (detail ? ' (' + detail + ')' : ''),
      };
    }
    if (/\b(NoMeetingInfo|NoMeetingInfoError|MeetingInfoV2StaticLinkDoesNotExistError)\b/.test(names) ||
        status === 404 || LOCUS_NOT_FOUND.indexOf(locusCode) >= 0 ||
        /not found|does not exist|no meeting info|invalid meeting|meeting id invalid/i.test(message)) {
      return { code: 'meeting_not_found', reason: REASONS.meeting_not_found };
    }
    if (stage === 'create' && /\bParameterError\b/.test(names)) {
      return {
        code: 'meeting_not_found',
        reason: "That doesn't look like a Webex meeting number, meeting link or SIP address.",
      };
    }
    if (LOCUS_NOT_ACTIVE.indexOf(locusCode) >= 0 || /not active|inactive|not (yet )?started|has ended|terminat/i.test(message)) {
      return { code: 'meeting_not_active', reason: REASONS.meeting_not_active };
    }
    if (/\bIntentToJoinError\b/.test(names) || [2423005, 2423006, 2423016, 2423017, 2423018].indexOf(locusCode) >= 0) {
      return {
        code: 'meeting_locked',
        reason: 'The meeting only lets people in with a host PIN or once the host lets them in. ' +
          'Join from your Webex app instead.',
      };
    }
    if ([2403018, 2403019, 2403002, 2403003].indexOf(locusCode) >= 0 || /\bfull\b/i.test(message)) {
      return { code: 'meeting_locked', reason: "The meeting is full, so it can't be joined right now." };
    }
    if (/\b(JoinForbiddenError|MeetingInfoV2JoinForbiddenError|PermissionError|MeetingInfoV2PolicyError|JoinWebinarError|MeetingInfoV2JoinWebinarError)\b/.test(names) ||
        INFO_LOCKED.indexOf(infoCode) >= 0) {
      return {
        code: 'meeting_locked',
        reason: "The meeting's settings don't allow this account to join it. Join from your Webex app instead.",
      };
    }
    if (LOCUS_LOCKED.indexOf(locusCode) >= 0 || /locked/i.test(message)) {
      return { code: 'meeting_locked', reason: REASONS.meeting_locked };
    }
    var said = shorten(e.message || inner.message || name);
    return { code: 'sdk_error', reason: REASONS.sdk_error + (said ? ' (' + said + ')' : '') };
  }

  function withTimeout(promise, ms, what) {
    var timer;
    var timeout = new Promise(function (resolve, reject) {
      timer = setTimeout(function () {
        reject(AgentError('sdk_error', 'Webex did not answer in time (' + what + ').'));
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

  function resetMeetingState() {
    if (cur) {
      KINDS.forEach(function (kind) { clearTimeout(cur.pendingTimers[kind]); });
    }
    cur = {
      meeting: null,
      key: null,          // destination as given to create()
      joined: false,
      lobby: false,
      lastCommandId: null,
      devices: freshDevices(),
      lastPayload: null,
      commandFor: { dialIn: null, dialOut: null },
      commandOrder: {},   // command id -> sequence number
      pending: { dialIn: false, dialOut: false },
      pendingTimers: { dialIn: null, dialOut: null },
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

  function statusOf(device) {
    var s = device && device.status;
    return s === undefined || s === null || s === 'UNKNOWN' ? '' : String(s);
  }

  function isProvisioned(status) {
    return PROVISIONED.indexOf(status) >= 0;
  }

  function isActive(status) {
    return isProvisioned(status) || status === PSTN.TRANSFERRING;
  }

  // The status the SDK itself holds, when it exposes it, else what its last event said.
  function liveStatus(kind) {
    var m = cur.meeting;
    var attr = kind === 'dialIn' ? 'dialInDeviceStatus' : 'dialOutDeviceStatus';
    if (m && typeof m[attr] === 'string' && m[attr] !== 'UNKNOWN') {
      // The attribute changes before the event is triggered; trust whichever is more active.
      var fromEvent = statusOf(cur.devices[kind]);
      return isActive(m[attr]) || !isActive(fromEvent) ? m[attr] : fromEvent;
    }
    return statusOf(cur.devices[kind]);
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
    if (meeting !== cur.meeting) return;   // an old meeting, already left
    var p = payload && typeof payload === 'object' ? payload : {};
    var next = {
      dialIn: Object.assign({ status: '', attendeeId: undefined }, p.dialIn || {}),
      dialOut: Object.assign({ status: '', attendeeId: undefined, reason: undefined }, p.dialOut || {}),
    };
    var prev = cur.devices;
    var changed = {};
    KINDS.forEach(function (kind) {
      changed[kind] = statusOf(prev[kind]) !== statusOf(next[kind]) ||
        text(prev[kind].attendeeId) !== text(next[kind].attendeeId) ||
        text(prev[kind].reason) !== text(next[kind].reason);
      if (statusOf(prev[kind]) !== statusOf(next[kind]) && cur.pending[kind]) {
        cur.pending[kind] = false;
        clearTimeout(cur.pendingTimers[kind]);
      }
    });
    var commandId;
    if (changed.dialOut && !changed.dialIn) commandId = cur.commandFor.dialOut;
    else if (changed.dialIn && !changed.dialOut) commandId = cur.commandFor.dialIn;
    else commandId = newerOf(cur.commandFor.dialIn, cur.commandFor.dialOut);
    commandId = commandId || cur.lastCommandId;

    cur.devices = next;
    cur.lastPayload = payload;
    emit({ type: 'phone_audio_update', command_id: commandId, payload: payload });

    if (cur.deferredDisconnect && statusOf(next.dialOut) !== PSTN.TRANSFERRING) {
      enqueue(runDeferredDisconnect);
    }
    enqueue(function () { return endIfIdle(commandId); });
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
    (cur.admissionWaiters || []).splice(0).forEach(function (resolve) { resolve(); });
  }

  // Phone audio can't be provisioned from the lobby: wait (Python has extended the command's
  // deadline while the lobby lasts) until the host lets the participant in.
  function admitted(meeting) {
    if (meeting !== cur.meeting || !cur.lobby) return Promise.resolve();
    return new Promise(function (resolve, reject) {
      cur.admissionWaiters = (cur.admissionWaiters || []).concat([resolve]);
      setTimeout(function () {
        reject(AgentError('lobby_timeout', 'the host did not let you in from the lobby in time'));
      }, settings().lobbyTimeoutMs);
    });
  }

  function onSelfLeft(meeting) {
    // The meeting put us out (ended, removed, inactivity): the phone audio ended with it.
    enqueue(function () {
      if (meeting !== cur.meeting) return undefined;
      var commandId = cur.lastCommandId;
      var wasJoined = cur.joined;
      resetMeetingState();
      return wasJoined ? emit({ type: 'left', command_id: commandId }) : undefined;
    });
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
    meeting.on(EVENTS.SELF_LEFT, function () { onSelfLeft(meeting); });
  }

  // --- meeting lifecycle -----------------------------------------------------------------

  function destinationOf(meeting) {
    var m = meeting && typeof meeting === 'object' ? meeting : {};
    if (m.number !== undefined && m.number !== null && text(m.number).trim()) {
      var digits = text(m.number).replace(/\D/g, '');
      if (!digits) {
        throw AgentError('meeting_not_found', "That meeting number doesn't have any digits in it.");
      }
      return { value: digits, type: 'MEETING_ID' };
    }
    if (m.link && text(m.link).trim()) return { value: text(m.link).trim(), type: 'MEETING_LINK' };
    if (m.sip && text(m.sip).trim()) return { value: text(m.sip).trim().replace(/^sips?:/i, ''), type: 'SIP_URI' };
    throw AgentError('meeting_not_found', 'No meeting was given: send a meeting number, link or SIP address.');
  }

  // Leaves the current meeting (if any). Emits `left` when it had been joined.
  function leaveCurrent(commandId) {
    var meeting = cur.meeting;
    var wasJoined = cur.joined;
    resetMeetingState();
    if (!meeting) return Promise.resolve();
    var leaving = wasJoined && typeof meeting.leave === 'function'
      ? withTimeout(meeting.leave(), settings().stepTimeoutMs, 'leave').catch(function (err) {
        console.warn('phoneAgent: leave failed', err && err.message);
      })
      : Promise.resolve();
    return leaving.then(function () {
      return wasJoined ? emit({ type: 'left', command_id: commandId }) : undefined;
    });
  }

  // Phone audio has ended when nothing is provisioned, transferring, being provisioned or
  // waiting to be hung up: then the meeting is left.
  function endIfIdle(commandId) {
    if (!cur.meeting || !cur.joined) return undefined;
    if (cur.pending.dialIn || cur.pending.dialOut || cur.deferredDisconnect) return undefined;
    if (isActive(liveStatus('dialIn')) || isActive(liveStatus('dialOut'))) return undefined;
    return leaveCurrent(commandId || cur.lastCommandId);
  }

  async function ensureMeeting(dest, commandId) {
    if (cur.meeting && cur.key === dest.value) return cur.meeting;
    if (cur.meeting) await leaveCurrent(commandId);
    var meeting;
    try {
      // (destination, type, useRandomDelay, infoExtraParams, correlationId, failOnMissingMeetingInfo):
      // without failOnMissingMeetingInfo the SDK would treat an unknown destination as a 1:1 call.
      meeting = await withTimeout(
        webex.meetings.create(dest.value, dest.type, false, {}, undefined, true),
        settings().stepTimeoutMs, 'create');
    } catch (err) {
      var c = classify(err, 'create');
      if (c.code === 'meeting_not_found' && /NoMeetingInfo/.test(text(err && err.name))) {
        // The SDK says NoMeetingInfo whatever went wrong fetching the meeting's info (a refused
        // token and an unreachable Webex too): tell those apart before blaming the meeting.
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

  function toPair(classified) {
    return [classified.code, classified.reason];
  }

  async function ensurePassword(meeting, password) {
    if (meeting.requiredCaptcha) throw AgentError('captcha_required', REASONS.captcha_required);
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
    if (meeting === cur.meeting) cur.joined = true;
  }

  function meetingInfoEvent(meeting, commandId) {
    var info = meeting && meeting.meetingInfo && typeof meeting.meetingInfo === 'object' ? meeting.meetingInfo : {};
    var audio = info.audio && typeof info.audio === 'object' ? info.audio : {};
    return {
      type: 'meeting_info',
      command_id: commandId,
      audio: {
        accessCode: text(audio.accessCode || info.meetingNumber || meeting.meetingNumber).replace(/\s+/g, ''),
        tollNum: text(audio.tollNum),
        tollCallInLabel: text(audio.tollCallInLabel),
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

    await ensurePassword(meeting, password);
    await ensureJoined(meeting, !!password);
    await admitted(meeting);
    await emit(meetingInfoEvent(meeting, command.id));

    if (isActive(liveStatus(kind))) {
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
    if (isProvisioned(liveStatus(kind)) && statusOf(cur.devices[kind]) === liveStatus(kind)) {
      clearPending(kind);
    }
  }

  async function disconnectCommand(command) {
    var active = KINDS.filter(function (kind) { return isActive(liveStatus(kind)); });
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
      if (!command || typeof command !== 'object') throw AgentError('sdk_error', 'The command was empty.');
      if (!webex || !webex.meetings) {
        throw AgentError('sdk_error', 'The meeting agent is not started (call phoneAgent.start first).');
      }
      if (command.op === 'use_phone_audio') await usePhoneAudioCommand(command);
      else if (command.op === 'disconnect_phone_audio') await disconnectCommand(command);
      else throw AgentError('sdk_error', 'Unknown operation ' + JSON.stringify(text(command.op)) + '.');
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

  function sdkConfig() {
    return {
      logger: { level: 'error' },
      meetings: {
        reconnection: { enabled: true },
        enableRtx: true,
        autoUploadLogs: false,
        enableAutomaticLLM: false,
        enableReachabilityChecks: false,   // no media: no need to probe media clusters
        stats: { enableStatsAnalyzer: false },
        metrics: { autoSendMQA: false },
        experimental: { enableUnifiedMeetings: true, enableAdhocMeetings: false },
      },
    };
  }

  // Resolves when the token works; rejects with Webex's error (401: refused; 0: unreachable).
  // Not every build of window.Webex has the people plugin (the fake has not): then it passes.
  function checkToken(instance) {
    if (!instance || !instance.people || typeof instance.people.get !== 'function') return Promise.resolve();
    return withTimeout(instance.people.get('me'), settings().stepTimeoutMs, 'people/me').then(function () {
      return undefined;
    });
  }

  async function doStart(token, name) {
    if (!window.Webex || typeof window.Webex.init !== 'function') {
      throw AgentError('sdk_error', 'The Webex SDK did not load (window.Webex is missing).');
    }
    if (webex) {
      // A new token: the old registration goes (and with it any meeting this page was in).
      var old = webex;
      webex = null;
      startedToken = null;
      if (cur.meeting) await leaveCurrent(cur.lastCommandId);
      if (old.meetings && typeof old.meetings.unregister === 'function') {
        await withTimeout(old.meetings.unregister(), settings().stepTimeoutMs, 'unregister').catch(function () {});
      }
    }
    var instance;
    try {
      instance = window.Webex.init({ credentials: { access_token: token }, config: sdkConfig() });
      if (instance.ready === false && typeof instance.once === 'function') {
        // The SDK loads its plugins' storage asynchronously and says `ready` (tens of ms).
        await withTimeout(new Promise(function (resolve) { instance.once('ready', resolve); }),
          settings().startTimeoutMs, 'ready');
      }
      if (instance.canAuthorize === false) throw AgentError('token_expired', 'The Webex access token is not usable.');
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
    webex = instance;
    startedToken = token;
    displayName = name;
    return { ok: true };
  }

  function start(options) {
    var opts = options || {};
    var token = text(opts.token);
    var name = text(opts.displayName);
    if (!token) return Promise.reject(AgentError('token_expired', 'No Webex access token was given.'));
    if (webex && startedToken === token) {
      displayName = name || displayName;
      return Promise.resolve({ ok: true });
    }
    if (starting) return starting;
    // Runs in the command queue, so no command sees a half-started SDK.
    starting = enqueue(function () { return doStart(token, name); });
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
    classify: classify,
  };
}());
