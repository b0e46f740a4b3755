"""One HTTP exchange with the tracking server, bounded in time and size, every fault in words.

``exchange`` sends one request on a session from ``new_session`` and returns the whole answer,
or raises a ``TransportError`` naming the request (``transient`` says whether trying again may
help). What it bounds, whatever the server does:

- size: an answer is read in chunks and refused past ``MAX_ANSWER_BYTES`` (counted after gzip
  decoding), so a huge or endless answer never fills memory;
- time: with ``deadline`` the whole exchange (connect, TLS, headers, body) ends within it: past
  it, the socket in use is shut down, since the timeouts of ``requests`` count per read and a
  server trickling one header at a time never trips them;
- redirects are not followed: the API never redirects, a redirect loop or one to ``ftp://`` is
  a misconfigured URL, and credentials must not follow to another host.

TLS: ``verify_option`` reads the ``ca_bundle`` setting and MLflow's own
``MLFLOW_TRACKING_SERVER_CERT_PATH`` and ``MLFLOW_TRACKING_INSECURE_TLS``; a refused certificate
is said as such, never as "cannot reach". No message quotes a URL other than the public one.
"""

from __future__ import annotations

import http.client
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from ..errors import CommError, UsageError

MAX_ANSWER_BYTES = 32 << 20  # the largest answer read (a metric history page is < 10 MB)
CHUNK = 64 << 10
CERT_PATH_VAR = "MLFLOW_TRACKING_SERVER_CERT_PATH"
INSECURE_VAR = "MLFLOW_TRACKING_INSECURE_TLS"
TRUST_HINT = (f"if you trust it, name its CA certificate (a PEM file) with the ca_bundle setting "
              f"(NBRUN_CA_BUNDLE) or {CERT_PATH_VAR}")


class TransportError(CommError):
    """No usable answer to a request; ``transient``: trying again may help (a connection
    refused or broken, a timeout), as opposed to a fault that would repeat (a redirect, a
    refused certificate, an answer over the size cap)."""

    def __init__(self, message: str, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass
class Answer:
    status: int
    headers: Any  # case-insensitive mapping
    content: bytes


class FileBody:
    """A request body read from an open file in chunks, never whole: exactly ``size`` bytes
    (the size when it was opened, announced as Content-Length), so a file that grows meanwhile
    is sent as it was; ``seek(0)`` rewinds it for another try."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        self.file = file
        self.size = size
        self.sent = 0

    def seek(self, offset: int) -> None:
        self.file.seek(offset)
        self.sent = offset

    def __len__(self) -> int:
        return self.size - self.sent

    def read(self, amount: int = CHUNK) -> bytes:
        amount = min(amount if amount and amount > 0 else CHUNK, CHUNK, self.size - self.sent)
        data = self.file.read(amount) if amount > 0 else b""
        if amount > 0 and not data:  # the file shrank: the announced length cannot be kept
            raise OSError("the file shrank while it was being sent")
        self.sent += len(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        while True:
            data = self.read(CHUNK)
            if not data:
                return
            yield data


# ---- TLS ----------------------------------------------------------------------------------

def verify_option(ca_bundle: str | None) -> bool | str:
    """What ``requests`` is given as ``verify``: nbrun's ``ca_bundle`` setting, else
    ``MLFLOW_TRACKING_SERVER_CERT_PATH``, else False under ``MLFLOW_TRACKING_INSECURE_TLS=true``,
    else True (the system's CAs, or ``REQUESTS_CA_BUNDLE``)."""
    insecure_text = os.environ.get(INSECURE_VAR, "").strip().lower()
    if insecure_text not in ("", "true", "false", "1", "0"):
        raise UsageError(f"{INSECURE_VAR}={os.environ[INSECURE_VAR]!r} is not a boolean: use "
                         "true or false")
    insecure = insecure_text in ("true", "1")
    for name, path in (("the ca_bundle setting (NBRUN_CA_BUNDLE)", ca_bundle),
                       (CERT_PATH_VAR, os.environ.get(CERT_PATH_VAR))):
        if not path:
            continue
        if insecure:
            raise UsageError(f"{INSECURE_VAR} turns certificate checks off while {name} names "
                             "a CA bundle to check with: set only one")
        if not os.path.exists(path):
            raise UsageError(f"{name} names {path!r}, which does not exist: give a PEM file "
                             "(or a folder) of CA certificates")
        return path
    return not insecure


# ---- the deadline -------------------------------------------------------------------------

class _Watch:
    """The deadline of one exchange: when it passes, the socket of the connection in use is
    shut down, which ends any read or handshake waiting on it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.conn: HTTPConnection | None = None
        self.fired = False
        self.lock = threading.Lock()
        self.timer = threading.Timer(seconds, self.fire)
        self.timer.daemon = True

    def left(self) -> float:
        return max(0.01, self.end - time.monotonic())

    def attach(self, conn: HTTPConnection) -> None:
        with self.lock:
            self.conn = conn
        if self.fired:
            self.fire()

    def fire(self) -> None:
        with self.lock:
            self.fired = True
            sock = getattr(self.conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


_local = threading.local()


class _Watched:
    """Makes a urllib3 connection known to the deadline of the exchange of its thread."""

    def connect(self) -> None:
        watch = getattr(_local, "watch", None)
        if watch is not None:
            watch.attach(self)
        super().connect()  # type: ignore[misc]
        if watch is not None and watch.fired:
            watch.fire()

    def request(self, *args: Any, **kwargs: Any) -> Any:
        watch = getattr(_local, "watch", None)
        if watch is not None:
            watch.attach(self)
        return super().request(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Adapter(HTTPAdapter):
    """requests' adapter with connections the deadline can reach (a SOCKS proxy keeps its own
    and is bounded by the timeouts only)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager


def new_session(verify: bool | str = True) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "nbrun-sync"
    adapter = _Adapter(pool_maxsize=4)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.verify = verify
    return session


# ---- one exchange -------------------------------------------------------------------------

def exchange(session: requests.Session, method: str, server: str, path: str, what: str, *,
             body: Any = None, params: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None, timeout: tuple[float, float] = (5.0, 120.0),
             deadline: float | None = None, cap: int = MAX_ANSWER_BYTES) -> Answer:
    """Send one request to ``server`` (its public URL) + ``path`` and read its whole answer
    (see the module docstring)."""
    watch = _Watch(deadline) if deadline is not None else None
    if watch is not None:
        timeout = (min(timeout[0], watch.left()), min(timeout[1], watch.left()))
        watch.timer.start()
    _local.watch = watch
    response = None
    try:
        response = session.request(method, server + path, data=body, params=params, headers=headers,
                                   timeout=timeout, allow_redirects=False, stream=True,
                                   verify=session.verify)
        content = _read(response, what, server, cap)
        if watch is not None and watch.fired:  # cut short: what was read may look whole
            raise _late(what, server, watch)
        return Answer(response.status_code, response.headers, content)
    except TransportError:
        raise
    except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException,
            OSError, ValueError) as exc:
        raise fault(exc, what, server, watch) from None
    finally:
        _local.watch = None
        if watch is not None:
            watch.timer.cancel()
        if response is not None:
            response.close()


def _read(response: requests.Response, what: str, server: str, cap: int) -> bytes:
    announced = response.headers.get("Content-Length", "")
    if announced.isdigit() and int(announced) > cap:
        raise _too_large(what, server, cap, int(announced))
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_content(CHUNK):
        total += len(chunk)
        if total > cap:
            raise _too_large(what, server, cap, None)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(what: str, server: str, cap: int, size: int | None) -> TransportError:
    told = f" ({size:,} bytes announced)" if size is not None else ""
    return TransportError(f"{what}: {server} answered with more than {cap >> 20} MB{told}, more "
                          "than any answer of an MLflow tracking server; not read", False)


def _late(what: str, server: str, watch: _Watch) -> TransportError:
    return TransportError(f"{what}: no complete answer from {server} within {watch.seconds:g} s",
                          True)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it wraps (urllib3's ``reason``, arguments, causes)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        inner = [getattr(item, "reason", None), item.__cause__, item.__context__,
                 *getattr(item, "args", ())]
        todo += [e for e in inner if isinstance(e, BaseException)]


def fault(exc: BaseException, what: str, server: str, watch: _Watch | None = None
          ) -> TransportError:
    """The ``TransportError`` that ``exc``, raised while exchanging ``what`` with ``server``,
    means. Only type names and TLS reasons are quoted: an exception's own text may hold URLs."""
    causes = list(_causes(exc))
    kinds = tuple(type(c) for c in causes)
    if watch is not None and watch.fired:
        return _late(what, server, watch)
    cert = next((c for c in causes if isinstance(c, ssl.SSLCertVerificationError)), None)
    if cert is not None:
        reason = cert.verify_message or "certificate verify failed"
        return TransportError(f"{what}: the server's certificate was refused ({server}: "
                              f"{reason}); {TRUST_HINT}", False)
    if isinstance(exc, requests.exceptions.SSLError) or any(issubclass(k, ssl.SSLError)
                                                            for k in kinds):
        tls = next((c for c in causes if isinstance(c, ssl.SSLError)), None)
        reason = getattr(tls, "reason", None) or type(exc).__name__
        return TransportError(f"{what}: the TLS handshake with {server} failed ({reason}); is "
                              "it an https:// server?", False)
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema,
                        requests.exceptions.MissingSchema, requests.exceptions.InvalidHeader)):
        return TransportError(f"{what}: {server} is not a URL nbrun can send to "
                              f"({type(exc).__name__}): base_url should be http://HOST:PORT or "
                              "https://HOST", False)
    if isinstance(exc, requests.ConnectTimeout):
        return TransportError(f"{what}: cannot reach the tracking server at {server} (no "
                              "connection within the timeout)", True)
    if isinstance(exc, requests.ReadTimeout):
        return TransportError(f"{what}: the tracking server at {server} did not answer within "
                              "the timeout", True)
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError,
                        requests.exceptions.ContentDecodingError)):
        return TransportError(f"{what}: the answer of {server} was broken ({type(exc).__name__})",
                              True)
    unreached = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ProxyError,
                 ConnectionRefusedError)
    if any(issubclass(k, unreached) for k in kinds):
        return TransportError(f"{what}: cannot reach the tracking server at {server} "
                              f"({type(exc).__name__})", True)
    if isinstance(exc, requests.ConnectionError):
        return TransportError(f"{what}: the connection to {server} broke before a whole answer "
                              f"came ({type(exc).__name__})", True)
    return TransportError(f"{what}: the exchange with {server} failed ({type(exc).__name__})",
                          True)
