"""The media endpoints against a real Jupyter server: a run's media index (filtered by key,
kind and step), the files it names served by the run-file endpoint, and pages of a stored table
sorted and filtered. Fixtures: see test_server.py."""

from __future__ import annotations

import numpy as np
from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

import nbrun

from test_server import (  # noqa: F401  (helpers and fixtures)
    jp_asyncio_loop, jp_server_config, outside, raw, rest)


def media_run(root):
    run = nbrun.init(dir=str(root), mode="offline", project="p", id="media-run")
    image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3)
    table = nbrun.Table(columns=["id", "name", "score", "pic"])
    for i in range(300):
        table.add_data(i, f"row-{i:03d}", (i * 37) % 101 / 10,
                       nbrun.Image(image, caption=f"cell {i}") if i < 2 else None)
    for step in range(3):
        run.log({"img": nbrun.Image(np.full((4, 6), step, np.uint8), caption=f"s{step}"),
                 "hist": nbrun.Histogram(np_histogram=([step, 1], [0.0, 0.5, 1.0])),
                 "loss": 1.0 / (step + 1)})
    run.log({"table": table, "gallery": [nbrun.Image(image), nbrun.Image(image * 2)]})
    run.finish()
    return run


def test_media_index_lists_every_value_with_what_describes_it(rest, raw, jp_root_dir):
    media_run(jp_root_dir)
    reply = rest("runs", "media-run", "media")
    assert reply["keys"] == {"gallery": "image", "hist": "histogram", "img": "image",
                             "table": "table"}
    assert not reply["truncated"]
    media = reply["media"]
    assert [(m["key"], m["step"], m["item"]) for m in media] == [
        ("gallery", 3, 0), ("gallery", 3, 1), ("hist", 0, 0), ("hist", 1, 0), ("hist", 2, 0),
        ("img", 0, 0), ("img", 1, 0), ("img", 2, 0), ("table", 3, 0)]
    img = media[5]
    assert img["kind"] == "image" and img["file"].startswith("media/images/")
    assert img["meta"]["width"] == 6 and img["meta"]["height"] == 4
    assert img["meta"]["caption"] == "s0" and img["size"] > 0 and img["time"] > 0
    assert media[0]["meta"]["gallery"] == 2
    assert media[3]["file"] is None and media[3]["meta"]["values"] == [1, 1]
    assert media[3]["meta"]["bins"] == [0.0, 0.5, 1.0]
    table = media[8]
    assert table["meta"]["columns"] == ["id", "name", "score", "pic"]
    assert table["meta"]["rows"] == 300 and len(table["meta"]["files"]) == 1

    # The files it names are served by the run-file endpoint.
    code, body = raw(f"runs/media-run/files/{img['file']}")
    assert code == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"

    only = rest("runs", "media-run", "media", params={"key": "img", "since_step": "0"})
    assert [(m["key"], m["step"]) for m in only["media"]] == [("img", 1), ("img", 2)]
    assert set(only["keys"]) == {"gallery", "hist", "img", "table"}
    kind = rest("runs", "media-run", "media", params={"kind": "histogram", "limit": "2"})
    assert [m["step"] for m in kind["media"]] == [0, 1] and kind["truncated"]
    rest("runs", "media-run", "media", params={"kind": "sound"}, expect=400)
    rest("runs", "media-run", "media", params={"limit": "-1"}, expect=400)
    assert rest("runs", "media-run")["media"] == reply["keys"]  # the run's detail has them too
    rest("runs", "nope", "media", expect=404)
    code, _ = raw("runs/media-run/media", auth=False)
    assert code == 403


def test_a_stored_table_is_paged_sorted_and_filtered(rest, jp_root_dir):
    media_run(jp_root_dir)
    (entry,) = rest("runs", "media-run", "media", params={"kind": "table"})["media"]
    file = entry["file"]

    def page(**params):
        return rest("runs", "media-run", "media", "table", params={"file": file, **params})

    first = page()
    assert first["columns"] == ["id", "name", "score", "pic"]
    assert first["total"] == 300 and first["rows_stored"] == 300 and len(first["rows"]) == 100
    assert first["rows"][0][:3] == [0, "row-000", 0.0]
    cell = first["rows"][0][3]
    assert cell["_type"] == "image" and cell["caption"] == "cell 0"
    assert cell["path"] in entry["meta"]["files"]
    second = page(offset="250", limit="100")
    assert [r[0] for r in second["rows"]] == list(range(250, 300))
    ranked = page(sort="score", order="desc", limit="5")["rows"]
    scores = [r[2] for r in ranked]
    assert scores == sorted(scores, reverse=True) and scores[0] == 10.0
    found = page(filter="ROW-29", filter_column="name")
    assert found["total"] == 10
    assert [r[1] for r in found["rows"]] == [f"row-{i}" for i in range(290, 300)]
    assert page(filter="cell 1")["total"] == 1  # a media cell matches by its caption
    by_number = page(sort="id", order="desc", limit="1")["rows"]
    assert by_number[0][0] == 299
    for bad in ({"sort": "nope"}, {"order": "up"}, {"limit": "5000"}):
        rest("runs", "media-run", "media", "table", params={"file": file, **bad}, expect=400)
    rest("runs", "media-run", "media", "table", params={"file": "../../nbrun.db"}, expect=400)
    other = "media/tables/" + "0" * 32 + ".table.json"
    rest("runs", "media-run", "media", "table", params={"file": other}, expect=404)


def test_a_stored_table_downloads_as_csv_in_the_viewers_order(raw, rest, jp_root_dir):
    """The table viewer's CSV: every row the filter keeps (not a page), in its sort order,
    a media cell as its file, formula-looking text guarded."""
    run = nbrun.init(dir=str(jp_root_dir), mode="offline", project="p", id="csv-run")
    table = nbrun.Table(columns=["id", "name", "pic"])
    for i in range(1500):
        table.add_data(i, f"=cmd-{i}" if i == 7 else f"row-{i:04d}",
                       nbrun.Image(np.full((2, 2), i % 3, np.uint8)) if i < 3 else None)
    run.log({"t": table})
    run.finish()
    (entry,) = rest("runs", "csv-run", "media", params={"kind": "table"})["media"]
    file = entry["file"]

    def csv_rows(query: str):
        code, body = raw(f"runs/csv-run/media/table.csv?file={file}{query}")
        assert code == 200, body
        text = body.decode() if isinstance(body, bytes) else body
        return [line.split(",") for line in text.splitlines()]

    rows = csv_rows("")
    assert rows[0] == ["id", "name", "pic"] and len(rows) == 1501  # every row, not a page
    assert rows[1][2] in entry["meta"]["files"] and rows[1][2].startswith("media/images/")
    assert rows[8][1] == "'=cmd-7"  # a spreadsheet must not run it
    assert rows[5] == ["4", "row-0004", ""]
    desc = csv_rows("&sort=id&order=desc&filter=row-14&filter_column=name")
    assert [r[0] for r in desc[1:]] == [str(i) for i in range(1499, 1399, -1)]
    code, _ = raw(f"runs/csv-run/media/table.csv?file={file}&sort=nope")
    assert code == 400
    code, _ = raw("runs/csv-run/media/table.csv?file=media/tables/" + "0" * 32 + ".table.json")
    assert code == 404
    code, _ = raw(f"runs/csv-run/media/table.csv?file={file}", auth=False)
    assert code == 403


def test_table_orders_numbers_then_text_and_empty_cells_last(tmp_path):
    """The viewer's sort and filter over mixed cells, in both directions (the order the
    server's cache computes once per table and query)."""
    import json

    from nbrun.server.tables import TableCache

    image = {"_type": "image", "path": "media/images/x.png", "caption": "Cat picture"}
    data = [[0, 2.5], [1, "beta"], [2, None], [3, float("nan")], [4, -1], [5, "alpha"],
            [6, image], [7, True], [8, 2.5]]
    path = tmp_path / "t.table.json"
    path.write_text(json.dumps({"columns": ["id", "v"], "data": data}))
    cache = TableCache()

    def ids(**query):
        args = {"sort": None, "descending": False, "text": None, "column": None, **query}
        page = cache.page(str(path), 0, None, args["sort"], args["descending"], args["text"],
                          args["column"])
        return [row[0] for row in page["rows"]]

    assert ids(sort="v") == [4, 7, 0, 8, 5, 1, 2, 3, 6]
    assert ids(sort="v", descending=True) == [1, 5, 0, 8, 7, 4, 2, 3, 6]
    assert ids(text="CAT") == [6]  # a media cell by its caption
    assert ids(text="a", column="v") == [1, 5, 6]
    assert ids(text="true", sort="id", descending=True) == [7]
    assert ids(text="5") == [0, 5, 8]  # "2.5" and the id 5
