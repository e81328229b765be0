"""Serve any WSGI/Flask app over real HTTP in a background thread (tests, sandbox)."""
import threading
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietRequestHandler(WSGIRequestHandler):
    """No per-request access log lines (they would flood test output and the terminal chat)."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@dataclass
class ServerHandle:
    server: BaseWSGIServer
    thread: threading.Thread
    host: str
    port: int
    _stopped: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.thread.is_alive():
            # shutdown() waits for serve_forever to notice; if that loop is gone it would wait forever
            stopper = threading.Thread(target=self.server.shutdown, name=f"stop-{self.port}", daemon=True)
            stopper.start()
            stopper.join(timeout=5)
        self.thread.join(timeout=5)
        self.server.server_close()

    def __enter__(self) -> "ServerHandle":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(app, host: str = "127.0.0.1", port: int = 0, access_log: bool = False) -> ServerHandle:
    """Start `app` on host:port (0 = a free port) and return once it accepts connections."""
    handler = WSGIRequestHandler if access_log else _QuietRequestHandler
    server = make_server(host, port, app, threaded=True, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{server.port}",
                              kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return ServerHandle(server=server, thread=thread, host=host, port=server.port)
