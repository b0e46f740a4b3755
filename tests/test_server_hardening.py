"""The server extension on values and bodies an adversarial user can produce (issue 10): a
history integer beyond the float range, and a PATCH body of 100,000 nested brackets. Against a
real Jupyter server, with test_server.py's fixtures (and test_server_runs.py's numpy_or_not)."""

from __future__ import annotations

from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import test_server as server
import test_server_runs as server_runs
from nbrun.store import Store, setaside

# test_server.py's fixtures, used here under the same names
jp_asyncio_loop, jp_server_config = server.jp_asyncio_loop, server.jp_server_config
outside, rest = server.outside, server.rest
numpy_or_not = server_runs.numpy_or_not
make_run = server.make_run


def test_history_integer_beyond_float_range_is_left_out_of_the_chart(rest, jp_root_dir,
                                                                      numpy_or_not):
    make_run(jp_root_dir, id="huge", log=[{"v": 1.0}, {"v": 2.0}])
    # Written through the store's own batch writer, as an nbrun that accepted such a value in
    # log() wrote it: the store holds it as JSON.
    store = Store(str(jp_root_dir))
    rid = store.get("huge").rid
    with store.transaction() as conn:
        chunks, unstored = setaside.encode_pairs(
            [(2, {"v": 10**400}), (3, {"v": 2**70}), (4, {"v": 3})])
        assert not unstored
        store.write_batch(conn, rid, chunks)
    reply = rest("runs", "huge", "history", params={"keys": "v"})
    assert reply["keys"]["v"] == {"steps": [0, 1, 3, 4], "values": [1.0, 2.0, 2.0**70, 3.0]}
    assert rest("runs", "huge")["id"] == "huge"


def test_deeply_nested_patch_body_is_a_400(rest, jp_root_dir):
    make_run(jp_root_dir, id="nested")
    body = "[" * 100_000 + "]" * 100_000
    reply = rest("runs", "nested", method="PATCH", body=body, expect=400)
    assert "nested too deeply" in reply["message"]
    body = '{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    rest("runs", "nested", method="PATCH", body=body, expect=400)
    assert rest("runs", "nested", method="PATCH", body={"notes": "fine"})["notes"] == "fine"
