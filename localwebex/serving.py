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



def serve_keep_alive(app, host: str, port: int, threads: int = 256) -> None:
    """Serve in the foreground with persistent connections, as Webex does (Werkzeug's server closes
    every connection after one response, which costs both sides a connect per call). Each request
    in flight, a slow one included (the `delay` fault), holds one of `threads`."""
    import waitress

    waitress.serve(app, host=host, port=port, threads=threads, connection_limit=4096, backlog=2048,
                   channel_timeout=120, _quiet=True)
