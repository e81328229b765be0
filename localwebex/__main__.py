"""`python -m localwebex --port 8090`: run the local Webex server standalone."""
import argparse
import json

from werkzeug.serving import make_server

from .server import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="Local Webex-compatible REST server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    app = create_app()
    server = make_server(args.host, args.port, app, threaded=True)
    world = app.extensions["localwebex"].state.world
    tokens = {key: person["token"] for key, person in world["people"].items()}
    print(f"localwebex on http://{args.host}:{server.port}/v1/  (sandbox: /_sandbox/world)")
    print("tokens:", json.dumps(tokens))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
