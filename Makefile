# Everything a fresh machine needs is installed into .venv by these targets.
VENV := .venv
PYTHON := $(VENV)/bin/python

.PHONY: run test bench chat sync-webhooks clean

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PYTHON) -m bot

test: $(VENV)/.installed
	$(PYTHON) -m pytest -q

bench: $(VENV)/.installed
	$(PYTHON) bench/ack_latency.py --rates 100,500,1000 --seconds 10 --appendfsync always
	$(PYTHON) bench/drain.py --events 2000 --people 50

chat: $(VENV)/.installed
	$(PYTHON) -m bot chat

sync-webhooks: $(VENV)/.installed
	$(PYTHON) -m bot webhooks sync

clean:
	rm -rf $(VENV) var
