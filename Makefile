# Everything a fresh machine needs is installed by these targets: the Python packages into
# .venv, the card renderer for the browser sandbox from the npm registry, and (for the
# browser tests) Debian's chromium.
VENV := .venv
PYTHON := $(VENV)/bin/python
WEB := sandbox/web
# The Web Meetings SDK's own browser bundle, from the npm package (pinned), for the meeting agent
SDK_VERSION := 3.12.0
SDK := agent/vendor/meetings.min.js

.PHONY: run test bench chat sync-webhooks chromium clean

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	touch $@

$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(SDK):
	rm -rf agent/vendor/.pack && mkdir -p agent/vendor/.pack
	cd agent/vendor/.pack && npm pack webex@$(SDK_VERSION) --silent >/dev/null && \
		tar xzf webex-$(SDK_VERSION).tgz package/umd/meetings.min.js package/LICENSE
	python3 agent/verify_sdk.py --tarball agent/vendor/.pack/webex-$(SDK_VERSION).tgz \
		--bundle agent/vendor/.pack/package/umd/meetings.min.js
	mv agent/vendor/.pack/package/umd/meetings.min.js $(SDK)
	mv agent/vendor/.pack/package/LICENSE agent/vendor/LICENSE.webex
	rm -rf agent/vendor/.pack

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

run: $(VENV)/.installed $(WEB)/node_modules/.installed $(SDK) chromium
	$(PYTHON) -m bot

test: $(VENV)/.installed $(WEB)/node_modules/.installed $(SDK) chromium
	$(VENV)/bin/lint-imports --no-cache
	$(PYTHON) -m pytest -q

bench: $(VENV)/.installed $(SDK) chromium
	$(PYTHON) bench/ack_latency.py --rates 100,500,1000 --seconds 10 --appendfsync always
	$(PYTHON) bench/drain.py --events 2000 --people 50
	$(PYTHON) bench/agent_startup.py --people 5
	$(PYTHON) bench/worker_speed.py --latencies 0,50,200 --events 1000 --people 100

chat: $(VENV)/.installed
	$(PYTHON) -m bot chat

sync-webhooks: $(VENV)/.installed
	$(PYTHON) -m bot webhooks sync

clean:
	rm -rf $(VENV) var $(WEB)/node_modules artifacts agent/vendor
