"""A small client of the MLflow tracking server's REST API, on one keep-alive ``requests``
session.

Connection errors, timeouts, 429 and 5xx are retried with exponential backoff and jitter; a 4xx
is never retried. Every failure is an nbrun error naming the request: ``AuthenticationError`` for
401/403, ``CommError`` otherwise (with ``status`` and ``error_code`` when the server sent them).
Credentials come only from ``credentials.resolve`` and are attached only by ``credentials.apply``;
no message carries them.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any
from urllib.parse import quote

import requests

from ..errors import CommError
from . import credentials

API = "/api/2.0/mlflow/"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts/"
JSON_HEADERS = {"Content-Type": "application/json"}


class ServerError(CommError):
    """The server answered, but not with what was asked: ``status`` and ``error_code`` say
    what it answered (``status`` is None when the answer was not readable)."""

    def __init__(self, message: str, status: int | None = None, error_code: str | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class Client:
    """Requests to one tracking server (``base_url``, e.g. ``http://127.0.0.1:5000``)."""

    def __init__(self, base_url: str, anonymous: str | None = None,
                 timeout: tuple[float, float] = (5.0, 120.0)) -> None:
        # Requests, messages, the recorded server and run.url use the URL without any
        # user:password@; the full one only names the credentials to send.
        self.base_url = credentials.public_url(base_url)
        self.anonymous = anonymous
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "nbrun-sync"
        self.creds = credentials.resolve(base_url, anonymous)
        credentials.apply(self.session, self.creds)
        self.timeout = timeout

    def close(self) -> None:
        self.session.close()

    # -- transport ----------------------------------------------------------------------------
    def request(self, method: str, path: str, what: str, *, body: bytes | str | None = None,
                params: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                tries: int = 4, timeout: tuple[float, float] | None = None) -> Any:
        """Send one request; the decoded JSON answer (None for an empty body)."""
        url = self.base_url + path
        delay = 0.25
        for attempt in range(1, tries + 1):
            try:
                response = self.session.request(method, url, data=body, params=params,
                                                headers=headers, timeout=timeout or self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == tries:
                    raise CommError(f"{what}: cannot reach the tracking server at "
                                    f"{self.base_url} ({type(exc).__name__})") from None
            else:
                status = response.status_code
                if status in (401, 403):
                    raise credentials.refusal(status, self.creds, self.anonymous,
                                              self.base_url, what)
                if status != 429 and status < 500:
                    return self._decode(response, what)
                if attempt == tries:
                    raise self._failure(response, what)
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 8.0)
        raise AssertionError("unreachable")

    def _decode(self, response: requests.Response, what: str) -> Any:
        text = response.content
        if response.status_code >= 400:
            raise self._failure(response, what)
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise ServerError(f"{what}: the tracking server answered HTTP {response.status_code} "
                              f"with something that is not JSON ({_snippet(text)})",
                              status=None) from None

    def _failure(self, response: requests.Response, what: str) -> ServerError:
        status = response.status_code
        try:
            data = response.json()
            code, message = data.get("error_code"), data.get("message")
        except ValueError:
            code, message = None, None
        detail = f"{code}: {message}" if code or message else _snippet(response.content)
        return ServerError(f"{what}: the tracking server answered HTTP {status} ({detail})",
                           status=status, error_code=code)

    def api(self, method: str, endpoint: str, payload: Any = None, *,
            params: dict[str, Any] | None = None, tries: int = 4,
            timeout: tuple[float, float] | None = None) -> Any:
        what = f"{method} {endpoint}"
        body = payload if isinstance(payload, (bytes, str)) or payload is None else \
            json.dumps(payload, allow_nan=False)
        return self.request(method, API + endpoint, what, body=body, params=params,
                            headers=JSON_HEADERS if body is not None else None, tries=tries,
                            timeout=timeout) or {}

    # -- tracking calls -----------------------------------------------------------------------
    def experiment_id(self, name: str, tries: int = 4,
                      timeout: tuple[float, float] | None = None) -> str:
        """The id of experiment ``name``, created on first use (create is not idempotent: a
        concurrent creator wins and we read its id)."""
        try:
            found = self.api("GET", "experiments/get-by-name",
                             params={"experiment_name": name}, tries=tries, timeout=timeout)
            return found["experiment"]["experiment_id"]
        except ServerError as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
        try:
            return self.api("POST", "experiments/create", {"name": name},
                            tries=tries)["experiment_id"]
        except ServerError as exc:
            if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
        return self.api("GET", "experiments/get-by-name",
                        params={"experiment_name": name})["experiment"]["experiment_id"]

    def check(self, name: str, timeout: tuple[float, float] | None = None) -> None:
        """One request that the server answers and takes the credentials (an experiment that
        does not exist yet is fine: it is created on first use)."""
        try:
            self.api("GET", "experiments/get-by-name", params={"experiment_name": name},
                     tries=1, timeout=timeout)
        except ServerError as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise

    def find_run(self, experiment_id: str, tag: str, value: str) -> str | None:
        found = self.api("POST", "runs/search", {"experiment_ids": [experiment_id],
                                                 "filter": f"tags.`{tag}` = '{value}'",
                                                 "max_results": 1, "run_view_type": "ALL"})
        runs = found.get("runs") or []
        return runs[0]["info"]["run_id"] if runs else None

    def create_run(self, experiment_id: str, name: str, start_ms: int,
                   tags: list[dict[str, str]], user_id: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"experiment_id": experiment_id, "run_name": name,
                                   "start_time": start_ms, "tags": tags}
        if user_id is not None:
            payload["user_id"] = user_id
        return self.api("POST", "runs/create", payload)["run"]["info"]

    def log_batch(self, body: bytes | str, what: str = "POST runs/log-batch") -> None:
        self.request("POST", API + "runs/log-batch", what, body=body, headers=JSON_HEADERS)

    def update_run(self, run_id: str, status: str, end_ms: int | None, name: str) -> None:
        payload: dict[str, Any] = {"run_id": run_id, "status": status, "run_name": name}
        if end_ms is not None:
            payload["end_time"] = end_ms
        self.api("POST", "runs/update", payload)

    def metric_history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        points: list[dict[str, Any]] = []
        token = None
        while True:
            params = {"run_id": run_id, "metric_key": key, "max_results": 25000}
            if token:
                params["page_token"] = token
            page = self.api("GET", "metrics/get-history", params=params)
            points += page.get("metrics") or []
            token = page.get("next_page_token")
            if not token:
                return points

    def put_artifact(self, experiment_id: str, run_id: str, path: str, data: bytes) -> None:
        target = f"{experiment_id}/{run_id}/artifacts/{quote(path)}"
        self.request("PUT", ARTIFACTS + target, f"PUT artifact {path}", body=data)

    def run_url(self, experiment_id: str, run_id: str) -> str:
        return f"{self.base_url}/#/experiments/{experiment_id}/runs/{run_id}"


def _snippet(raw: bytes, limit: int = 80) -> str:
    text = " ".join(raw.decode("utf-8", "replace").split())
    return repr(text[:limit] + ("..." if len(text) > limit else ""))
