"""A forwarding proxy in front of the real MLflow server that injects faults on demand.

This is the one fake part of the online-mode tests, and it only injects what a real server does
not produce on demand: an HTML error page from a gateway, a truncated JSON answer, a 400 for one
batch, a 503 from an overloaded server, redirects (a loop, one to ftp://), headers trickled one
every few seconds, a broken chunked or gzip body, an endless answer, an answer without the
fields asked for, and an answer lost after the real server did the work. Every other request,
and the injected ones where it says so, reach the real server. With ``tls`` (an
``ssl.SSLContext``) it listens on HTTPS, as a TLS front of the real server.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HTML_PAGE = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
             b"Gateway</h1></center><hr><center>nginx</center></body></html>")
TRICKLE_S = 2.0  # one header line this often ("trickle")
HUGE_BYTES = 4 << 30  # what a "huge" answer announces and streams (until the client leaves)


@dataclass
class Fault:
    method: str
    endpoint: str  # the end of the path, e.g. "runs/log-batch"
    kind: str  # "html" (502 page, not forwarded), "truncated" (forwarded, answer cut),
    #            "bad400" (a 400 error, not forwarded), "unavailable503" (a 503, not
    #            forwarded), "redirect_loop" (302 to itself),
    #            "redirect_ftp" (302 to ftp://), "trickle" (a header every TRICKLE_S s, for a
    #            minute), "bad_chunked" / "bad_gzip" (a 200 whose body cannot be decoded),
    #            "huge" (a 200 of HUGE_BYTES), "lost" (forwarded, then the connection closed
    #            with no answer), "lost504" (forwarded, then a gateway's 504), "empty" (a 200
    #            whose JSON object holds none of the fields asked for)
    skip: int = 0  # let this many matching requests through first
    times: int = 1  # then inject this many times
    seen: int = 0
    injected: int = 0


class FaultProxy:
    def __init__(self, upstream: str, tls: ssl.SSLContext | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request seen
        self.lock = threading.Lock()
        self.tls = tls
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                path = self.path.split("?")[0]
                with proxy.lock:
                    proxy.requests.append((self.command, path))
                fault = proxy.match(self.command, path)
                kind = fault.kind if fault is not None else None
                try:
                    if kind in INJECTED:
                        return INJECTED[kind](self)
                    up = self._forward(body)
                    if kind == "lost":
                        self.close_connection = True
                        return
                    if kind == "lost504":
                        return self._answer(504, b"<html>504 Gateway Time-out</html>",
                                            "text/html")
                    data = up.content
                    if kind == "truncated":
                        data = data[: max(1, len(data) // 2)]
                    self._answer(up.status_code, data,
                                 up.headers.get("Content-Type", "application/json"))
                except OSError:  # the client gave up on an injected answer
                    self.close_connection = True

            def _forward(self, body: bytes | None) -> requests.Response:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection")}
                return requests.request(self.command, proxy.upstream + self.path, data=body,
                                        headers=headers, timeout=120)

            def _answer(self, status: int, data: bytes, ctype: str,
                        extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def html(self) -> None:
                self._answer(502, HTML_PAGE, "text/html")

            def unavailable503(self) -> None:
                self._answer(503, b'{"error_code": "TEMPORARILY_UNAVAILABLE", '
                                  b'"message": "injected: server busy"}', "application/json")

            def bad400(self) -> None:
                self._answer(400, b'{"error_code": "INVALID_PARAMETER_VALUE", '
                                  b'"message": "injected: batch refused"}', "application/json")

            def empty(self) -> None:
                self._answer(200, b"{}", "application/json")

            def redirect_loop(self) -> None:
                self._answer(302, b"", "text/plain", {"Location": self.path})

            def redirect_ftp(self) -> None:
                self._answer(302, b"", "text/plain", {"Location": "ftp://127.0.0.1/x"})

            def trickle(self) -> None:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                self.wfile.flush()
                for i in range(int(60 / TRICKLE_S)):
                    time.sleep(TRICKLE_S)
                    self.wfile.write(f"X-Trickle-{i}: {i}\r\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"Content-Length: 2\r\n\r\n{}")
                self.close_connection = True

            def bad_chunked(self) -> None:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n"
                                 b"2\r\n{}\r\nzz-not-a-size\r\nxx\r\n")
                self.close_connection = True

            def bad_gzip(self) -> None:
                self._answer(200, b"this is not gzip data at all", "application/json",
                             {"Content-Encoding": "gzip"})

            def huge(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(HUGE_BYTES))
                self.end_headers()
                block = b" " * (1 << 16)
                for _ in range(HUGE_BYTES // len(block)):
                    self.wfile.write(block)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        INJECTED = {name: getattr(Handler, name) for name in
                    ("html", "bad400", "unavailable503", "empty", "redirect_loop",
                     "redirect_ftp", "trickle", "bad_chunked", "bad_gzip", "huge")}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.server.server_address[1]}"

    def match(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and path.endswith(fault.endpoint):
                    fault.seen += 1
                    if fault.seen > fault.skip and fault.injected < fault.times:
                        fault.injected += 1
                        return fault
        return None

    def count(self, method: str, endpoint: str) -> int:
        """How many requests ``method ... endpoint`` reached the proxy."""
        with self.lock:
            return sum(1 for m, p in self.requests if m == method and p.endswith(endpoint))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
