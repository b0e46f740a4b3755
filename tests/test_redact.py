"""Config values whose key looks like a secret are "<redacted>" in what goes to the server."""

from __future__ import annotations

import copy

import pytest

import nbrun
from nbrun.errors import UsageError
from nbrun.settings import resolve
from nbrun.sync.redact import REDACTED, is_secret_key, redact

SECRET_KEYS = ["password", "db_password", "DB_PASSWORD", "passwd", "token", "hf_token",
               "accessToken", "auth_token", "secret", "client_secret", "aws_secret_access_key",
               "api_key", "apikey", "APIKey", "openai-api-key", "access_key", "private_key",
               "credential", "credentials", "Authorization", "db.password", "token2",
               "wandbApiKey", "passphrase"]
PLAIN_KEYS = ["tokenizer", "max_tokens", "num_tokens", "author", "lr", "key", "secretary",
              "keyboard", "password_length_hint_is_not_a_word_boundary_test".replace("_", "x"),
              "access", "private", "tokens_per_batch", "compass_word"]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_looking_keys_are_recognised(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", PLAIN_KEYS)
def test_ordinary_keys_that_contain_a_secret_word_are_left_alone(key):
    assert not is_secret_key(key)


def test_redact_at_any_depth_without_touching_the_input():
    config = {
        "lr": 0.1, "tokenizer": "bert-base", "api_key": "sk-123",
        "db": {"host": "h", "password": "pw", "url": "postgresql://u:pw9@h:5432/db"},
        "credentials": {"user": "u", "pass": "x"},
        "stages": [{"name": "a", "token": "t"}, ("x", {"secret": 1})],
        "note": "see http://example.com and mailto:a@b",
    }
    before = copy.deepcopy(config)
    out = redact(config, None)
    assert config == before
    assert out == {
        "lr": 0.1, "tokenizer": "bert-base", "api_key": REDACTED,
        "db": {"host": "h", "password": REDACTED,
               "url": f"postgresql://u:{REDACTED}@h:5432/db"},
        "credentials": REDACTED,
        "stages": [{"name": "a", "token": REDACTED}, ("x", {"secret": REDACTED})],
        "note": "see http://example.com and mailto:a@b",
    }


def test_the_pattern_is_a_setting(monkeypatch):
    assert redact({"seed": 1, "password": "p"}, r"^seed$") == {"seed": REDACTED, "password": "p"}
    assert redact({"password": "p"}, "(?!)") == {"password": "p"}
    monkeypatch.setenv("NBRUN_REDACT_PATTERN", "^(seed|password)$")
    assert resolve(None, {}, None).redact_pattern == "^(seed|password)$"
    assert nbrun.Settings(redact_pattern="x").redact_pattern == "x"
    for bad in ("(unclosed", ""):
        with pytest.raises(UsageError, match="redact_pattern"):
            nbrun.Settings(redact_pattern=bad)
        with pytest.raises(UsageError, match="redact_pattern"):
            redact({}, bad)
