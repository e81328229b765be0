/*
 * A fake window.Webex for tests: the parts of the Webex Web Meetings SDK (3.12) that the
 * meeting agent (agent.js) uses, with the SDK's names, payloads and PSTN_STATUS strings,
 * and nothing on the network. Which path a meeting takes is chosen by its meeting number
 * (scenarios: README.md next to this file), so the whole bot can be exercised without hooks.
 *
 * window.fakeWebexConfig (read when used, so it may be set before or after load):
 *   answerMs (300)      dial-out JOINED -> CONNECTED (or -> LEFT/FAILURE for a failing number)
 *   transferMs (200)    CONNECTED -> TRANSFERRING, and TRANSFERRING -> SUCCESS
 *   lobbyMs (800)       lobby wait before meeting:self:guestAdmitted (meeting 202000000)
 *   latencyMs (0)       delay before each SDK promise settles
 *   password ("letmein"), failNumbers (["+14085550199"])
 * window.fakeWebexCalls: every call as {method, args}; provisioning that really happens is
 *   recorded as "dialInPstn" / "dialOutPstn" (a usePhoneAudio that finds its kind already
 *   provisioned records only "usePhoneAudio", as the SDK does nothing then).
 * window.fakeWebex: the person's phone, for tests that want it: dialIn(), hangUp(kind),
 *   meetings() (every fake meeting created).
 */
(function () {
  'use strict';

  var PSTN_STATUS = {
    JOINED: 'JOINED',
    CONNECTED: 'CONNECTED',
    LEFT: 'LEFT',
    TRANSFERRING: 'TRANSFERRING',
    SUCCESS: 'SUCCESS',
    UNKNOWN: '',
  };
  var PASSWORD_STATUS = { NOT_REQUIRED: 'NOT_REQUIRED', REQUIRED: 'REQUIRED', UNKNOWN: 'UNKNOWN', VERIFIED: 'VERIFIED' };

  var NOT_FOUND = '404000000';
  var LOCKED = '423000000';
  var PASSWORD = '401000000';
  var PASSWORD_CAPTCHA = '402000000';
  var NOT_ACTIVE = '409000000';
  var LOBBY = '202000000';
  var PROVISIONING_REJECTED = '500000000';

  var DEFAULTS = {
    answerMs: 300,
    transferMs: 200,
    lobbyMs: 800,
    latencyMs: 0,
    password: 'letmein',
    failNumbers: ['+14085550199'],
  };

  function conf(name) {
    var given = window.fakeWebexConfig || {};
    return given[name] !== undefined ? given[name] : DEFAULTS[name];
  }

  var calls = [];
  window.fakeWebexCalls = calls;

  function record(method, args) {
    calls.push({ method: method, args: Array.prototype.slice.call(args || []) });
  }

  function later(value, failed) {
    return new Promise(function (resolve, reject) {
      setTimeout(function () {
        if (failed) reject(value);
        else resolve(value);
      }, Number(conf('latencyMs')) || 0);
    });
  }

  function sdkError(name, message, props) {
    var err = new Error(message);
    err.name = name;
    Object.keys(props || {}).forEach(function (key) { err[key] = props[key]; });
    return err;
  }

  // What the SDK's HTTP layer rejects with (WebexHttpError subclasses): statusCode + body.
  function httpError(statusCode, body) {
    return sdkError('WebexHttpError', (body && body.message) || ('HTTP ' + statusCode), {
      statusCode: statusCode,
      body: body,
    });
  }

  function attendeeId() {
    return String(100000 + Math.floor(Math.random() * 900000));
  }

  function hashDigits(text) {
    var h = 2166136261;
    for (var i = 0; i < text.length; i += 1) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 16777619) >>> 0;
    }
    return String(1000000000 + (h % 9000000000));
  }

  // Which fake meeting a destination is: a number's digits, a SIP address's digits before @,
  // the first run of 9+ digits in a link (any other link is a working meeting of its own).
  function meetingNumberOf(destination) {
    var s = String(destination === undefined || destination === null ? '' : destination).trim();
    if (/^[\d\s().-]+$/.test(s) && /\d/.test(s)) return s.replace(/\D/g, '');
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
      var found = s.match(/\d{9,}/);
      return found ? found[0] : hashDigits(s);
    }
    if (s.indexOf('@') >= 0) {
      var user = s.split('@')[0].replace(/^sips?:/i, '').replace(/[\s.-]/g, '');
      return /^\d+$/.test(user) ? user : hashDigits(s);
    }
    return hashDigits(s);
  }

  function isPhoneProvisioned(status) {
    return [PSTN_STATUS.JOINED, PSTN_STATUS.CONNECTED, PSTN_STATUS.SUCCESS].indexOf(status) >= 0;
  }

  // --- a tiny emitter with the SDK's on/off/once/trigger ------------------------------

  function Emitter() {
    this._handlers = {};
  }
  Emitter.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };
  Emitter.prototype.off = function (event, handler) {
    if (!event) {
      this._handlers = {};
    } else if (!handler) {
      delete this._handlers[event];
    } else {
      this._handlers[event] = (this._handlers[event] || []).filter(function (h) {
        return h !== handler && h._original !== handler;
      });
    }
    return this;
  };
  Emitter.prototype.once = function (event, handler) {
    var self = this;
    var wrapped = function () {
      self.off(event, wrapped);
      handler.apply(this, arguments);
    };
    wrapped._original = handler;
    return this.on(event, wrapped);
  };
  Emitter.prototype.trigger = function (event) {
    var args = Array.prototype.slice.call(arguments, 1);
    (this._handlers[event] || []).slice().forEach(function (handler) {
      try {
        handler.apply(null, args);
      } catch (err) {
        console.error('fake webex: a handler of ' + event + ' failed', err);
      }
    });
    return this;
  };
  Emitter.prototype.emit = Emitter.prototype.trigger;

  // --- meetings -------------------------------------------------------------------------

  var allMeetings = [];
  var meetingIds = 0;

  function FakeMeeting(webex, destination, destinationType) {
    Emitter.call(this);
    meetingIds += 1;
    this.id = 'fake-meeting-' + meetingIds;
    this.webex = webex;
    this.destination = destination;
    this.destinationType = destinationType || null;
    this.meetingNumber = meetingNumberOf(destination);
    this.sipUri = this.meetingNumber + '@sandbox.webex.local';
    this.state = 'NOT_JOINED';
    this.joinedFlag = false;
    this.requiredCaptcha = null;
    this.meetingInfoFailureReason = 'NONE';
    var needsPassword = this.meetingNumber === PASSWORD || this.meetingNumber === PASSWORD_CAPTCHA;
    this.passwordStatus = needsPassword ? PASSWORD_STATUS.REQUIRED : PASSWORD_STATUS.NOT_REQUIRED;
    this.meetingInfo = needsPassword ? {} : this._fullMeetingInfo();
    this.dialInDeviceStatus = PSTN_STATUS.UNKNOWN;
    this.dialOutDeviceStatus = PSTN_STATUS.UNKNOWN;
    this.dialInUrl = '';
    this.dialOutUrl = '';
    this._dialIn = { attendeeId: undefined };
    this._dialOut = { attendeeId: undefined, reason: undefined };
    this._dialOutTimers = [];
    this._lobbyTimer = null;
    allMeetings.push(this);
  }
  FakeMeeting.prototype = Object.create(Emitter.prototype);
  FakeMeeting.prototype.constructor = FakeMeeting;

  FakeMeeting.prototype._fullMeetingInfo = function () {
    return {
      meetingNumber: this.meetingNumber,
      meetingName: 'Sandbox meeting ' + this.meetingNumber,
      sipUri: this.sipUri,
      meetingLink: 'https://sandbox.webex.local/meet/' + this.meetingNumber,
      audio: {
        accessCode: this.meetingNumber,
        tollNum: '+1-415-555-0199',
        tollCallInLabel: 'US Toll',
        globalCallinNumberWebLink: 'https://sandbox.webex.local/global-call-in-numbers',
      },
    };
  };

  FakeMeeting.prototype._payload = function () {
    return {
      dialIn: { status: this.dialInDeviceStatus, attendeeId: this._dialIn.attendeeId },
      dialOut: { status: this.dialOutDeviceStatus, attendeeId: this._dialOut.attendeeId, reason: this._dialOut.reason },
    };
  };

  FakeMeeting.prototype._update = function () {
    this.trigger('meeting:self:phoneAudioUpdate', this._payload());
  };

  FakeMeeting.prototype._cancelDialOut = function () {
    this._dialOutTimers.forEach(clearTimeout);
    this._dialOutTimers = [];
  };

  FakeMeeting.prototype._dialOutLater = function (delay, status, reason) {
    var self = this;
    this._dialOutTimers.push(setTimeout(function () {
      if (!self.joinedFlag) return;
      self.dialOutDeviceStatus = status;
      self._dialOut.reason = reason;
      if (status === PSTN_STATUS.LEFT) self._cancelDialOut();
      self._update();
    }, delay));
  };

  FakeMeeting.prototype.isPhoneProvisioned = function (status) {
    return isPhoneProvisioned(status);
  };

  FakeMeeting.prototype.isJoined = function () {
    return this.joinedFlag;
  };

  FakeMeeting.prototype.fetchMeetingInfo = function () {
    record('fetchMeetingInfo', arguments);
    return later(undefined);
  };

  FakeMeeting.prototype.verifyPassword = function (password, captchaCode) {
    record('verifyPassword', arguments);
    if (this.passwordStatus !== PASSWORD_STATUS.REQUIRED && this.passwordStatus !== PASSWORD_STATUS.UNKNOWN) {
      return later(new Error('verifyPassword() called with password when password was not required'), true);
    }
    if (captchaCode && !this.requiredCaptcha) {
      return later(new Error('verifyPassword() called with captchaCode when captcha was not required'), true);
    }
    var right = password === conf('password');
    if (this.requiredCaptcha && !(right && captchaCode === 'fake-captcha')) {
      this.meetingInfoFailureReason = 'WRONG_CAPTCHA';
      return later({ isPasswordValid: false, requiredCaptcha: this.requiredCaptcha, failureReason: 'WRONG_CAPTCHA' });
    }
    if (right) {
      this.passwordStatus = PASSWORD_STATUS.VERIFIED;
      this.requiredCaptcha = null;
      this.meetingInfoFailureReason = 'NONE';
      this.meetingInfo = this._fullMeetingInfo();
      return later({ isPasswordValid: true, requiredCaptcha: null, failureReason: 'NONE' });
    }
    this.meetingInfoFailureReason = 'WRONG_PASSWORD';
    if (this.meetingNumber === PASSWORD_CAPTCHA) {
      this.requiredCaptcha = {
        captchaId: 'fake-captcha-id',
        verificationImageURL: 'https://sandbox.webex.local/captcha/image',
        verificationAudioURL: 'https://sandbox.webex.local/captcha/audio',
        refreshURL: 'https://sandbox.webex.local/captcha/refresh?id=fake-captcha-id',
      };
    }
    // As the SDK: requiredCaptcha is null when no captcha is asked for.
    return later({ isPasswordValid: false, requiredCaptcha: this.requiredCaptcha, failureReason: 'WRONG_PASSWORD' });
  };

  FakeMeeting.prototype.join = function () {
    record('join', arguments);
    if (!this.webex.meetings.registered) return later(new Error('Meeting:index#join --> Device not registered'), true);
    if (this.requiredCaptcha) {
      return later(sdkError('CaptchaError', 'Captcha is required.', { code: 8, sdkMessage: 'Captcha is required.' }), true);
    }
    if (this.passwordStatus === PASSWORD_STATUS.REQUIRED) {
      return later(sdkError('PasswordError', 'Password is required, please use verifyPassword()', {
        code: 7, sdkMessage: 'Password is required, please use verifyPassword()',
      }), true);
    }
    if (this.meetingNumber === LOCKED || this.meetingNumber === NOT_ACTIVE) {
      var inner = this.meetingNumber === LOCKED
        ? httpError(403, { errorCode: 2423003, message: 'The meeting is locked.' })
        : httpError(403, { errorCode: 2403004, message: 'The meeting is not active.' });
      return later(sdkError('JoinMeetingError', 'Error Joining Meeting', {
        code: 2,
        sdkMessage: 'There was an issue joining the meeting, meeting could be in a bad state.',
        error: inner,
      }), true);
    }
    if (this.joinedFlag) return later({});
    this.joinedFlag = true;
    this.state = 'JOINED';
    if (this.meetingNumber === LOBBY) {
      var self = this;
      this.trigger('meeting:self:lobbyWaiting', { payload: { state: 'IDLE', isUserUnadmitted: true } });
      this._lobbyTimer = setTimeout(function () {
        self._lobbyTimer = null;
        if (self.joinedFlag) self.trigger('meeting:self:guestAdmitted', { payload: { state: 'JOINED' } });
      }, Number(conf('lobbyMs')));
    }
    return later({});
  };

  FakeMeeting.prototype.usePhoneAudio = function (phoneNumber) {
    record('usePhoneAudio', arguments);
    return phoneNumber ? this._dialOutPstn(phoneNumber) : this._dialInPstn();
  };

  FakeMeeting.prototype._refuse = function () {
    if (!this.joinedFlag) return later(new Error('Meeting:index#usePhoneAudio --> the meeting has not been joined'), true);
    if (this.meetingNumber === PROVISIONING_REJECTED) {
      return later(httpError(403, { errorCode: 2403043, message: 'Phone audio is not allowed in this meeting.' }), true);
    }
    return null;
  };

  FakeMeeting.prototype._dialInPstn = function () {
    if (isPhoneProvisioned(this.dialInDeviceStatus)) return later(undefined);
    var refused = this._refuse();
    if (refused) return refused;
    record('dialInPstn', []);
    this.dialInUrl = this.dialInUrl || 'dialin:///fake-' + this.id;
    this._dialIn.attendeeId = attendeeId();
    this.dialInDeviceStatus = PSTN_STATUS.JOINED;
    this._update();
    return later(undefined);
  };

  FakeMeeting.prototype._dialOutPstn = function (phoneNumber) {
    if (isPhoneProvisioned(this.dialOutDeviceStatus)) return later(undefined);
    var refused = this._refuse();
    if (refused) return refused;
    record('dialOutPstn', [phoneNumber]);
    this._cancelDialOut();
    this.dialOutUrl = this.dialOutUrl || 'dialout:///fake-' + this.id;
    this._dialOut.attendeeId = attendeeId();
    this._dialOut.reason = undefined;
    this.dialOutDeviceStatus = PSTN_STATUS.JOINED;
    this._update();
    var answer = Number(conf('answerMs'));
    var transfer = Number(conf('transferMs'));
    if ((conf('failNumbers') || []).indexOf(String(phoneNumber)) >= 0) {
      this._dialOutLater(answer, PSTN_STATUS.LEFT, 'FAILURE');
    } else {
      this._dialOutLater(answer, PSTN_STATUS.CONNECTED);
      this._dialOutLater(answer + transfer, PSTN_STATUS.TRANSFERRING);
      this._dialOutLater(answer + 2 * transfer, PSTN_STATUS.SUCCESS);
    }
    return later(undefined);
  };

  // As the SDK: only provisioned devices (JOINED, CONNECTED, SUCCESS) are disconnected;
  // a dial-out that is TRANSFERRING is left alone.
  FakeMeeting.prototype.disconnectPhoneAudio = function () {
    record('disconnectPhoneAudio', arguments);
    if (!this.joinedFlag) return later(undefined);
    var changed = false;
    if (isPhoneProvisioned(this.dialInDeviceStatus)) {
      this.dialInDeviceStatus = PSTN_STATUS.LEFT;
      changed = true;
    }
    if (isPhoneProvisioned(this.dialOutDeviceStatus)) {
      this._cancelDialOut();
      this.dialOutDeviceStatus = PSTN_STATUS.LEFT;
      this._dialOut.reason = undefined;
      changed = true;
    }
    if (changed) this._update();
    return later(undefined);
  };

  FakeMeeting.prototype.leave = function () {
    record('leave', arguments);
    this._cancelDialOut();
    clearTimeout(this._lobbyTimer);
    this._lobbyTimer = null;
    this.joinedFlag = false;
    this.state = 'LEFT';
    // Leaving ends the person's phone too; the meeting is destroyed, so no event follows.
    if (this.dialInDeviceStatus) this.dialInDeviceStatus = PSTN_STATUS.LEFT;
    if (this.dialOutDeviceStatus) this.dialOutDeviceStatus = PSTN_STATUS.LEFT;
    this.webex.meetings._forget(this);
    return later(undefined);
  };

  // --- Webex ------------------------------------------------------------------------------

  function FakeMeetings(webex) {
    Emitter.call(this);
    this.webex = webex;
    this.registered = false;
    this._collection = {};
  }
  FakeMeetings.prototype = Object.create(Emitter.prototype);
  FakeMeetings.prototype.constructor = FakeMeetings;

  FakeMeetings.prototype.register = function () {
    record('meetings.register', arguments);
    if (this.webex.credentials.access_token === 'expired-token') {
      return later(sdkError('AuthError', 'Unauthorized: the access token has expired (401)', { statusCode: 401 }), true);
    }
    this.registered = true;
    this.trigger('meetings:registered');
    return later(undefined);
  };

  FakeMeetings.prototype.unregister = function () {
    record('meetings.unregister', arguments);
    this.registered = false;
    return later(undefined);
  };

  // create(destination, type, useRandomDelay, infoExtraParams, correlationId, failOnMissingMeetingInfo)
  FakeMeetings.prototype.create = function (destination, type) {
    record('meetings.create', arguments);
    var key = String(destination);
    if (meetingNumberOf(key) === NOT_FOUND) {
      return later(sdkError('NoMeetingInfo', 'No meeting info found for the meeting', {
        code: 10, sdkMessage: 'No meeting info found for the meeting',
      }), true);
    }
    var meeting = this._collection[key];
    if (!meeting) {
      meeting = new FakeMeeting(this.webex, key, type);
      this._collection[key] = meeting;
      this.trigger('meeting:added', { meeting: meeting, type: 'JOIN' });
    }
    return later(meeting);
  };

  FakeMeetings.prototype.getAllMeetings = function () {
    var out = {};
    var collection = this._collection;
    Object.keys(collection).forEach(function (key) { out[collection[key].id] = collection[key]; });
    return out;
  };

  FakeMeetings.prototype._forget = function (meeting) {
    var collection = this._collection;
    Object.keys(collection).forEach(function (key) {
      if (collection[key] === meeting) delete collection[key];
    });
  };

  function FakeWebex(attrs) {
    Emitter.call(this);
    var options = attrs || {};
    var credentials = options.credentials || {};
    this.version = 'fake-3.12.0';
    this.config = options.config || {};
    this.credentials = { access_token: credentials.access_token };
    this.canAuthorize = !!credentials.access_token;
    this.ready = true;
    this.meetings = new FakeMeetings(this);
  }
  FakeWebex.prototype = Object.create(Emitter.prototype);
  FakeWebex.prototype.constructor = FakeWebex;

  var instances = [];

  window.Webex = {
    version: 'fake-3.12.0',
    init: function (attrs) {
      record('Webex.init', [{ credentials: { access_token: attrs && attrs.credentials && attrs.credentials.access_token ? '(set)' : '' } }]);
      var webex = new FakeWebex(attrs);
      instances.push(webex);
      return webex;
    },
    CONSTANTS: { PSTN_STATUS: PSTN_STATUS, PASSWORD_STATUS: PASSWORD_STATUS },
  };

  function joinedMeetings() {
    return allMeetings.filter(function (m) { return m.joinedFlag; });
  }

  // The person's side of the phone, for tests that want it.
  window.fakeWebex = {
    meetings: function () { return allMeetings.slice(); },
    instances: function () { return instances.slice(); },
    meetingNumberOf: meetingNumberOf,
    // The person calls the dial-in number and keys in the access code and attendee ID.
    dialIn: function () {
      joinedMeetings().forEach(function (m) {
        if (m.dialInDeviceStatus === PSTN_STATUS.JOINED) {
          m.dialInDeviceStatus = PSTN_STATUS.CONNECTED;
          m._update();
        }
      });
    },
    // The person hangs up their phone ("dialIn", "dialOut", or both when not given).
    hangUp: function (kind) {
      joinedMeetings().forEach(function (m) {
        var changed = false;
        if ((!kind || kind === 'dialIn') && m.dialInDeviceStatus && m.dialInDeviceStatus !== PSTN_STATUS.LEFT) {
          m.dialInDeviceStatus = PSTN_STATUS.LEFT;
          changed = true;
        }
        if ((!kind || kind === 'dialOut') && m.dialOutDeviceStatus && m.dialOutDeviceStatus !== PSTN_STATUS.LEFT) {
          m._cancelDialOut();
          m.dialOutDeviceStatus = PSTN_STATUS.LEFT;
          m._dialOut.reason = 'NORMAL';
          changed = true;
        }
        if (changed) m._update();
      });
    },
  };
}());
