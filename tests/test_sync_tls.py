"""An MLflow server behind HTTPS with a certificate from a private CA: refused as such (never
"cannot reach"), trusted through nbrun's `ca_bundle` setting (NBRUN_CA_BUNDLE) or MLflow's own
MLFLOW_TRACKING_SERVER_CERT_PATH, or unchecked with MLFLOW_TRACKING_INSECURE_TLS.

The HTTPS endpoint is tests/fault_proxy.py with TLS and no fault: a TLS front of the real MLflow
server (the server itself speaks plain HTTP), with a certificate made by tests/tls_support.py."""

from __future__ import annotations

import pytest

from fault_proxy import FaultProxy
import sync_support
from sync_support import assert_history_exactly_once, wait_synced
from test_login import nbrun_cli
from tls_support import make_certs

import nbrun

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online

REFUSED = "GET experiments/get-by-name: the server's certificate was refused (https://127.0.0.1:"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def https(online, certs, monkeypatch):
    """A new HTTPS front (a new URL: init() checks each server once per process) as the
    configured server."""
    proxy = FaultProxy(online.url, tls=certs.server_context())
    monkeypatch.setenv("NBRUN_BASE_URL", proxy.url)
    for var in ("MLFLOW_TRACKING_SERVER_CERT_PATH", "MLFLOW_TRACKING_INSECURE_TLS",
                "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(var, raising=False)
    yield proxy
    proxy.close()


def _log_and_sync(run, store_dir, online) -> None:
    for step in range(200):
        run.log({"loss": 1 / (step + 1)})
    run.finish()
    wait_synced(store_dir, run.id)
    assert assert_history_exactly_once(online.url, store_dir, run.id) == 200


def test_a_certificate_from_an_unknown_ca_is_said_to_be_refused(https, store_dir, capfd):
    with pytest.raises(nbrun.CommError) as caught:
        nbrun.init(dir=store_dir, project="tls", force=True)
    message = str(caught.value)
    assert message.startswith(REFUSED), message
    assert "self-signed certificate in certificate chain" in message or \
        "unable to get local issuer certificate" in message, message
    assert "NBRUN_CA_BUNDLE" in message and "MLFLOW_TRACKING_SERVER_CERT_PATH" in message
    assert "cannot reach" not in message

    run = nbrun.init(dir=store_dir, project="tls")  # force=False: starts locally, says why
    err = capfd.readouterr().err
    assert REFUSED in err and "the run starts locally" in err and "cannot reach" not in err
    assert run.mode == "online"


def test_the_ca_bundle_setting_trusts_a_private_ca(https, certs, online, store_dir,
                                                  monkeypatch):
    monkeypatch.setenv("NBRUN_CA_BUNDLE", str(certs.ca))
    run = nbrun.init(dir=store_dir, project="tls", force=True)
    _log_and_sync(run, store_dir, online)
    assert run.settings.ca_bundle == str(certs.ca)

    monkeypatch.setenv("NBRUN_CA_BUNDLE", str(certs.ca) + ".missing")
    with pytest.raises(nbrun.UsageError, match="ca_bundle setting .NBRUN_CA_BUNDLE. names"):
        nbrun.init(dir=store_dir, project="tls", force=True)


def test_mlflow_cert_path_is_honoured(https, certs, online, store_dir, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", str(certs.ca))
    run = nbrun.init(dir=store_dir, project="tls", force=True)
    _log_and_sync(run, store_dir, online)

    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")  # both: which one is meant?
    with pytest.raises(nbrun.UsageError, match="set only one"):
        nbrun.init(dir=store_dir, project="tls", force=True)


def test_mlflow_insecure_tls_turns_the_check_off(https, online, store_dir, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_INSECURE_TLS", "true")
    run = nbrun.init(dir=store_dir, project="tls", force=True)
    _log_and_sync(run, store_dir, online)


def test_nbrun_login_and_sync_use_the_same_trust(https, certs, online, store_dir):
    args = ("login", https.url, "--username", "bob", "--password-stdin")
    refused = nbrun_cli(*args, stdin="pw-tls-1\n")
    assert refused.returncode == 1 and "the server's certificate was refused" in refused.stderr
    # The real server asks for no credentials, so any are accepted: what is shown is that the
    # certificate is trusted.
    trusted = nbrun_cli(*args, stdin="pw-tls-1\n", env={"NBRUN_CA_BUNDLE": str(certs.ca)})
    assert trusted.returncode == 0, trusted.stderr

    run = nbrun.init(dir=store_dir, project="tls", mode="offline")
    run.log({"loss": 0.5})
    run.finish()
    sync = ["--dir", str(store_dir), "sync", run.id]
    failed = nbrun_cli(*sync, env={"NBRUN_BASE_URL": https.url})
    assert failed.returncode == 1 and "the server's certificate was refused" in failed.stderr
    sent = nbrun_cli(*sync, env={"NBRUN_BASE_URL": https.url,
                                 "MLFLOW_TRACKING_SERVER_CERT_PATH": str(certs.ca)})
    assert sent.returncode == 0, sent.stderr
    wait_synced(store_dir, run.id)
