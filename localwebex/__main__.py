"""`python -m localwebex --port 8090`: run the local Webex server standalone.
`python -m localwebex meetings --port 8092`: run the local Webex meetings cloud (localwebex/meetings)."""
import argparse
import json
import sys

from .server import create_app
from .serving import serve_keep_alive


def main() -> None:
    if sys.argv[1:2] == ["meetings"]:
        meetings_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description="Local Webex-compatible REST server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    app = create_app()
    world = app.extensions["localwebex"].state.world
    tokens = {key: person["token"] for key, person in world["people"].items()}
    print(f"localwebex on http://{args.host}:{args.port}/v1/  (sandbox: /_sandbox/world)")
    print("tokens:", json.dumps(tokens), flush=True)
    serve_keep_alive(app, args.host, args.port)


def meetings_main(argv: list[str]) -> None:
    from werkzeug.serving import make_server  # its websockets (flask-sock) need Werkzeug's server

    from .meetings import MeetingsCloud, create_cloud_app
    from .meetings.cloud import ORG_ID, SCENARIOS

    parser = argparse.ArgumentParser(prog="python -m localwebex meetings",
                                     description="Local Webex meetings cloud for the Web Meetings SDK")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--token", action="append", default=[],
                        help=f"also accept this token (shape <anything>_<cluster>_{ORG_ID}); repeatable")
    parser.add_argument("--manual-answer", action="store_true", help="phones ring until POST /_cloud/answer")
    args = parser.parse_args(argv)
    cloud = MeetingsCloud()
    agent = cloud.add_person("Meeting Agent", token=f"local-agent_LOCAL_{ORG_ID}")
    guest = cloud.add_person("Guest Agent", token=f"local-guest_LOCAL_{ORG_ID}", guest=True)
    for index, token in enumerate(args.token, 1):
        cloud.add_person(f"Agent {index}", token=token)
    cloud.default_phone.auto_answer = not args.manual_answer
    server = make_server(args.host, args.port, create_cloud_app(cloud), threaded=True)
    cloud.base_url = f"http://{args.host}:{server.port}"
    print(f"meetings cloud on {cloud.base_url}  (WEBEX_MEETINGS_DISCOVERY_URL={cloud.base_url})")
    print("tokens (WEBEX_AGENT_TOKEN):", json.dumps({"user": agent.token, "guest": guest.token,
                                                     **{f"extra{i}": t for i, t in enumerate(args.token, 1)}}))
    print("meetings:", ", ".join(f"{number} ({'not found' if options is None else options or 'works'})"
                                 for number, options in SCENARIOS.items()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        cloud.close()
        server.server_close()


if __name__ == "__main__":
    main()
