"""A forwarding proxy in front of the real MLflow server that injects faults on demand.

This is the one fake part of the online-mode tests, and it only injects what a real server does
not produce on demand (an HTML error page from a gateway, a truncated JSON answer, a 400 for one
batch, a 503 from an overloaded server); every other request, and the injected ones where it
says so, reach the real server.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HTML_PAGE = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
             b"Gateway</h1></center><hr><center>nginx</center></body></html>")


@dataclass
class Fault:
    method: str
    endpoint: str  # the end of the path, e.g. "runs/log-batch"
    kind: str  # "html" (502 page, not forwarded), "truncated" (forwarded, answer cut),
    #            "bad400" (a 400 error, not forwarded), "503" (Service Unavailable, not
    #            forwarded)
    skip: int = 0  # let this many matching requests through first
    times: int = 1  # then inject this many times
    seen: int = 0
    injected: int = 0


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                fault = proxy.match(self.command, self.path.split("?")[0])
                if fault is not None and fault.kind == "html":
                    return self._answer(502, HTML_PAGE, "text/html")
                if fault is not None and fault.kind == "bad400":
                    return self._answer(400, b'{"error_code": "INVALID_PARAMETER_VALUE", '
                                             b'"message": "injected: batch refused"}',
                                        "application/json")
                if fault is not None and fault.kind == "503":
                    return self._answer(503, b'{"error_code": "TEMPORARILY_UNAVAILABLE", '
                                             b'"message": "injected: server busy"}',
                                        "application/json")
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                up = requests.request(self.command, proxy.upstream + self.path, data=body,
                                      headers=headers, timeout=120)
                data = up.content
                if fault is not None and fault.kind == "truncated":
                    data = data[: max(1, len(data) // 2)]
                self._answer(up.status_code, data,
                             up.headers.get("Content-Type", "application/json"))

            def _answer(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def match(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and path.endswith(fault.endpoint):
                    fault.seen += 1
                    if fault.seen > fault.skip and fault.injected < fault.times:
                        fault.injected += 1
                        return fault
        return None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
