"""webexteamsbot 0.1.4.2 (PyPI), the peer in bench/side_by_side.py, with one `help` command.

Runs in its own virtualenv (var/bench/peer-venv, from bench/peer-requirements.txt) under
gunicorn, as bench/side_by_side.py starts it:

  WEBEX_TEAMS_ACCESS_TOKEN=... PEER_API_URL=http://127.0.0.1:PORT/v1/ PEER_BOT_EMAIL=... \
  PEER_BOT_URL=http://127.0.0.1:PORT2/ var/bench/peer-venv/bin/gunicorn --chdir bench peer_bot:app

Nothing in site-packages is edited: the library's own `teams_api_url` argument (passed to
webexteamssdk as `base_url`) points it at the local Webex server. The library registers its
webhook on start (the benchmark deletes it again and sends the deliveries itself). It does
not check X-Spark-Signature; it answers the delivery only after fetching the message, calling
people/me and posting the reply.
"""
import os

from webexteamsbot import TeamsBot

app = TeamsBot(
    "bench-peer",
    teams_bot_token=os.environ["WEBEX_TEAMS_ACCESS_TOKEN"],
    teams_api_url=os.environ["PEER_API_URL"],
    teams_bot_email=os.environ["PEER_BOT_EMAIL"],
    teams_bot_url=os.environ["PEER_BOT_URL"],
    default_action=None,
)
app.remove_command("/echo")
app.remove_command("/help")
app.set_help_message("Phone audio for your Webex meeting. I understand:  \n")
app.add_command("help", "this list of commands", app.send_help)
