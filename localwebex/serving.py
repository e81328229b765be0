"""Serve a local server's app over real HTTP in a background thread (tests, the sandbox).

The bot has its own (bot/web/server.py): the local servers stand in for Webex and import
nothing from the bot, and the bot's production web tier depends on no test server.
"""
import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request would drown test output
        pass


class LocalServer:
    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_Quiet)
        self.host, self.port = host, self.server.port
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       name=f"local-{self.port}", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.thread.is_alive():  # shutdown() would wait forever for a loop that is gone
            stopper = threading.Thread(target=self.server.shutdown, daemon=True)
            stopper.start()
            stopper.join(timeout=5)
        self.thread.join(timeout=5)
        self.server.server_close()
