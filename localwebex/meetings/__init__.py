"""A local Webex meetings cloud that the real, unmodified Web Meetings SDK bundle talks to.

What it serves (all under one origin, e.g. http://127.0.0.1:8092):

  /u2c/api/v1/limited/catalog, /u2c/api/v1/catalog   service discovery (U2C, "hostmap" format)
  /hydra/v1/people/me, /hydra/v1/meetingPreferences  the token's person (Webex REST, "hydra")
  /wdm/api/v1/devices                                 WDM device registration
  /mercury/ws/<device>                                the Mercury websocket (authorisation, ping/pong,
                                                      event envelopes with sequence numbers)
  /wbxappapi/v1/meetingInfo                           meeting info, with the password, captcha,
                                                      policy, not-started and not-found answers
  /locus/api/v1/loci/call, .../loci/<id>/participant  Locus: join, provisional DIAL_IN/DIAL_OUT
                                                      devices, leave; DTOs pushed over Mercury
  /metrics/..., /region                               what the SDK reports and asks on the side

A simulated phone network sits behind Locus (`pstn.py`). Nothing here imports `bot`.
Use `MeetingsCloud` (cloud.py) and `serve_cloud()` (server.py), or
`python -m localwebex meetings --port 8092`.
"""
from .cloud import MeetingsCloud, MeetingSpec  # noqa: F401
from .server import create_cloud_app, serve_cloud  # noqa: F401
