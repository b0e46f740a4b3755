"""A small client of the MLflow tracking server's REST API, on one keep-alive ``requests``
session.

Each request goes through ``transport.exchange`` (bounded in time and size, no redirects
followed). Connection errors, timeouts, broken answers, 429 and 5xx are retried with exponential
backoff and jitter; a 4xx is never retried. Every failure is an nbrun error naming the request:
``AuthenticationError`` for 401/403, ``CommError`` otherwise (``ServerError`` with ``status`` and
``error_code`` when the server answered, ``TransportError`` when it did not). An answer without
the fields asked for is a ``ServerError`` too, never a ``KeyError``. Credentials come only from
``credentials.resolve`` and are attached only by ``credentials.apply``; no message carries them.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any, Callable, TypeVar
from urllib.parse import quote

from ..errors import CommError
from . import credentials, transport
from .transport import Answer, TransportError

API = "/api/2.0/mlflow/"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts/"
JSON_HEADERS = {"Content-Type": "application/json"}
T = TypeVar("T")


class ServerError(CommError):
    """The server answered, but not with what was asked: ``status`` and ``error_code`` say
    what it answered (``status`` is None when the answer was not readable)."""

    def __init__(self, message: str, status: int | None = None, error_code: str | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


def transient(exc: BaseException) -> bool:
    """Whether sending the same request again may succeed: no answer (connection refused or
    broken, a timeout), 429 or a 5xx."""
    if isinstance(exc, TransportError):
        return exc.transient
    if isinstance(exc, ServerError):
        return exc.status is not None and (exc.status == 429 or exc.status >= 500)
    return False


class Client:
    """Requests to one tracking server (``base_url``, e.g. ``http://127.0.0.1:5000``)."""

    def __init__(self, base_url: str, anonymous: str | None = None,
                 timeout: tuple[float, float] = (5.0, 120.0),
                 ca_bundle: str | None = None) -> None:
        # Requests, messages, the recorded server and run.url use the URL without any
        # user:password@; the full one only names the credentials to send.
        self.base_url = credentials.public_url(base_url)
        self.anonymous = anonymous
        self.session = transport.new_session(transport.verify_option(ca_bundle))
        self.creds = credentials.resolve(base_url, anonymous)
        credentials.apply(self.session, self.creds)
        self.timeout = timeout

    def close(self) -> None:
        self.session.close()

    # -- transport ----------------------------------------------------------------------------
    def request(self, method: str, path: str, what: str, *, body: Any = None,
                params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                tries: int = 4, timeout: tuple[float, float] | None = None,
                deadline: float | None = None) -> Any:
        """Send one request; the decoded JSON answer (None for an empty body). A ``body`` that
        is a stream is rewound (``seek(0)``) before each try."""
        return _retried(lambda: self._once(method, path, what, body, params, headers, timeout,
                                           deadline), tries)

    def _once(self, method: str, path: str, what: str, body: Any,
              params: dict[str, Any] | None, headers: dict[str, str] | None,
              timeout: tuple[float, float] | None, deadline: float | None) -> Any:
        if hasattr(body, "seek"):
            body.seek(0)
        answer = transport.exchange(self.session, method, self.base_url, path, what, body=body,
                                    params=params, headers=headers,
                                    timeout=timeout or self.timeout, deadline=deadline)
        status = answer.status
        if status in (401, 403):
            raise credentials.refusal(status, self.creds, self.anonymous, self.base_url, what)
        if 300 <= status < 400:
            where = credentials.public_url(answer.headers.get("Location", ""))[:200]
            raise ServerError(f"{what}: the tracking server answered with a redirect (HTTP "
                              f"{status} to {where!r}), which nbrun does not follow; set "
                              "base_url to the address the server itself answers at",
                              status=status)
        if status >= 400:
            raise self._failure(answer, what)
        return self._decode(answer, what)

    def _decode(self, answer: Answer, what: str) -> Any:
        text = answer.content
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except (ValueError, RecursionError):
            raise ServerError(f"{what}: the tracking server answered HTTP {answer.status} "
                              f"with something that is not JSON ({_snippet(text)})",
                              status=None) from None

    def _failure(self, answer: Answer, what: str) -> ServerError:
        status = answer.status
        try:
            data = json.loads(answer.content)
            code, message = data.get("error_code"), data.get("message")
        except (ValueError, RecursionError, AttributeError):
            code, message = None, None
        detail = f"{code}: {message}" if code or message else _snippet(answer.content)
        return ServerError(f"{what}: the tracking server answered HTTP {status} ({detail})",
                           status=status, error_code=code if isinstance(code, str) else None)

    def api(self, method: str, endpoint: str, payload: Any = None, *,
            params: dict[str, Any] | None = None, tries: int = 4,
            timeout: tuple[float, float] | None = None,
            deadline: float | None = None) -> dict[str, Any]:
        what = f"{method} {endpoint}"
        body = payload if isinstance(payload, (bytes, str)) or payload is None else \
            json.dumps(payload, allow_nan=False)
        answer = self.request(method, API + endpoint, what, body=body, params=params,
                              headers=JSON_HEADERS if body is not None else None, tries=tries,
                              timeout=timeout, deadline=deadline)
        if answer is None:
            return {}
        if not isinstance(answer, dict):
            raise ServerError(f"{what}: the tracking server answered with JSON that is not an "
                              f"object ({_snippet(json.dumps(answer).encode())})")
        return answer

    # -- tracking calls -----------------------------------------------------------------------
    def experiment_id(self, name: str) -> str:
        """The id of experiment ``name``, created on first use (create is not idempotent: a
        concurrent creator wins and we read its id)."""
        what = "GET experiments/get-by-name"
        try:
            found = self.api("GET", "experiments/get-by-name", params={"experiment_name": name})
            return str(_pick(found, what, "experiment", "experiment_id"))
        except ServerError as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        try:
            made = self.api("POST", "experiments/create", {"name": name})
            return str(_pick(made, "POST experiments/create", "experiment_id"))
        except ServerError as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        found = self.api("GET", "experiments/get-by-name", params={"experiment_name": name})
        return str(_pick(found, what, "experiment", "experiment_id"))

    def check(self, name: str, deadline: float | None = None) -> None:
        """One request that the server answers and takes the credentials (an experiment that
        does not exist yet is fine: it is created on first use), ended by ``deadline`` s."""
        try:
            self.api("GET", "experiments/get-by-name", params={"experiment_name": name},
                     tries=1, deadline=deadline)
        except ServerError as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise

    def find_run(self, experiment_id: str, tag: str, value: str) -> str | None:
        found = self.api("POST", "runs/search", {"experiment_ids": [experiment_id],
                                                 "filter": f"tags.`{tag}` = '{value}'",
                                                 "max_results": 1, "run_view_type": "ALL"})
        runs = found.get("runs") or []
        if not isinstance(runs, list):
            runs = [runs]
        return str(_pick(runs[0], "POST runs/search", "info", "run_id")) if runs else None

    def create_run(self, experiment_id: str, name: str, start_ms: int,
                   tags: list[dict[str, str]], key: tuple[str, str] | None = None,
                   tries: int = 4, user_id: str | None = None) -> str:
        """The id of a new server run. runs/create is not idempotent: when a try fails without
        an answer (or with a 5xx), the server may have made the run all the same, so before
        trying again the run is looked up by its ``key`` tag (``(tag, value)``), which the
        create carries."""
        payload: dict[str, Any] = {"experiment_id": experiment_id, "run_name": name,
                                   "start_time": start_ms, "tags": tags}
        if user_id is not None:
            payload["user_id"] = user_id
        delay = 0.25
        for attempt in range(1, tries + 1):
            if attempt > 1 and key is not None:
                found = self.find_run(experiment_id, *key)
                if found is not None:
                    return found
            try:
                made = self.api("POST", "runs/create", payload, tries=1)
                return str(_pick(made, "POST runs/create", "run", "info", "run_id"))
            except CommError as exc:
                if attempt == tries or not transient(exc):
                    raise
            time.sleep(delay * (0.5 + random.random()))  # time for a slow create to land
            delay = min(delay * 2, 8.0)
        raise AssertionError("unreachable")

    def log_batch(self, body: bytes | str, what: str = "POST runs/log-batch") -> None:
        self.request("POST", API + "runs/log-batch", what, body=body, headers=JSON_HEADERS)

    def update_run(self, run_id: str, status: str, end_ms: int | None, name: str) -> None:
        payload: dict[str, Any] = {"run_id": run_id, "status": status, "run_name": name}
        if end_ms is not None:
            payload["end_time"] = end_ms
        self.api("POST", "runs/update", payload)

    def metric_history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        """Every point of ``key`` (dicts with at least ``value`` and ``timestamp``)."""
        what = "GET metrics/get-history"
        points: list[dict[str, Any]] = []
        token = None
        while True:
            params = {"run_id": run_id, "metric_key": key, "max_results": 25000}
            if token:
                params["page_token"] = token
            page = self.api("GET", "metrics/get-history", params=params)
            metrics = page.get("metrics") or []
            if not isinstance(metrics, list) or not all(
                    isinstance(m, dict) and "value" in m and "timestamp" in m for m in metrics):
                raise ServerError(f"{what}: the tracking server answered with metrics that are "
                                  "not a list of points with value and timestamp")
            points += metrics
            token = page.get("next_page_token")
            if not token:
                return points
            if not isinstance(token, str):
                raise ServerError(f"{what}: the tracking server answered with a "
                                  "next_page_token that is not text")

    def put_artifact(self, experiment_id: str, run_id: str, path: str, data: Any) -> None:
        """Upload ``data``: bytes, or a stream with ``seek`` (read again on each try)."""
        target = f"{experiment_id}/{run_id}/artifacts/{quote(path)}"
        self.request("PUT", ARTIFACTS + target, f"PUT artifact {path}", body=data)

    def put_artifact_at(self, root: str, path: str, data: Any) -> None:
        """Upload ``data`` as ``path`` under ``root``, a folder of the server's proxied artifact
        store (e.g. ``1/models/m-.../artifacts``, a logged model's)."""
        target = f"{quote(root.strip('/'))}/{quote(path)}"
        self.request("PUT", ARTIFACTS + target, f"PUT artifact {path}", body=data)

    def artifact_sizes(self, root: str) -> dict[str, int]:
        """Every file under ``root`` (a folder of the proxied artifact store) with its size,
        by path relative to ``root``; {} when there is none."""
        out: dict[str, int] = {}
        folders = [""]
        while folders:
            folder = folders.pop()
            where = root.strip("/") + (f"/{folder}" if folder else "")
            answer = self.request("GET", ARTIFACTS.rstrip("/"), "GET artifacts list",
                                  params={"path": where})
            for entry in (answer or {}).get("files") or []:
                if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                    continue
                rel = f"{folder}/{entry['path']}" if folder else entry["path"]
                if entry.get("is_dir"):
                    folders.append(rel)
                else:
                    out[rel] = int(entry.get("file_size") or 0)
        return out

    def run_url(self, experiment_id: str, run_id: str) -> str:
        return f"{self.base_url}/#/experiments/{experiment_id}/runs/{run_id}"


def _retried(attempt: Callable[[], T], tries: int) -> T:
    """``attempt()``, tried again after a transient failure with exponential backoff and
    jitter, up to ``tries`` times."""
    delay = 0.25
    for number in range(1, tries + 1):
        try:
            return attempt()
        except CommError as exc:
            if number == tries or not transient(exc):
                raise
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 8.0)
    raise AssertionError("unreachable")


def _pick(answer: Any, what: str, *path: str) -> Any:
    """``answer[path[0]][path[1]]...``; a ``ServerError`` naming the field when it is missing."""
    value = answer
    for key in path:
        if not isinstance(value, dict) or key not in value or value[key] is None:
            raise ServerError(f"{what}: the tracking server answered without "
                              f"{'.'.join(path)} (is it an MLflow tracking server?)")
        value = value[key]
    return value


def _snippet(raw: bytes, limit: int = 80) -> str:
    text = " ".join(raw.decode("utf-8", "replace").split())
    return repr(text[:limit] + ("..." if len(text) > limit else ""))
