"""The nbrun command's artifact commands: ``nbrun artifacts [NAME]``, ``nbrun artifact get``,
and the artifacts ``nbrun show`` lists for a run."""

from __future__ import annotations

import json
import os

from nbrun.cli import main
from test_artifacts import make_tree, start


def test_cli_lists_artifacts_and_versions_and_gets_one(store_dir, tmp_path, capsys):
    make_tree(tmp_path / "d", {"a.txt": b"a"})
    run = start(store_dir)
    run.log_artifact(str(tmp_path / "d"), name="ds", type="dataset", aliases=["best"])
    make_tree(tmp_path / "d", {"b.txt": b"b"})
    run.log_artifact(str(tmp_path / "d"), name="ds", type="dataset")
    run.finish()
    assert main(["--dir", str(store_dir), "artifacts"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["NAME", "PROJECT", "TYPE", "VERSIONS", "LATEST", "ALIASES",
                              "SIZE", "UPDATED"]
    assert out[1].split()[:6] == ["ds", "p", "dataset", "2", "v1", "best=v0,"]
    assert main(["--dir", str(store_dir), "artifacts", "ds"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "p/ds  (dataset, 2 versions)"
    assert [line.split()[0] for line in out[2:]] == ["v1", "v0"]
    assert run.id in out[2]
    root = tmp_path / "got"
    assert main(["--dir", str(store_dir), "artifact", "get", "p/ds:best", "--root",
                 str(root)]) == 0
    assert capsys.readouterr().out.strip() == str(root)
    assert sorted(os.listdir(root)) == ["a.txt"]
    assert main(["--dir", str(store_dir), "artifact", "get", "ds:v5"]) == 1
    assert "no version or alias 'v5'" in capsys.readouterr().err
    assert main(["--dir", str(store_dir), "show", run.id]) == 0
    shown = capsys.readouterr().out
    assert ("\nartifacts:\n  output  p/ds:v0  (dataset, best)\n"
            "  output  p/ds:v1  (dataset, latest)") in shown
    assert main(["--dir", str(store_dir), "artifacts", "--json"]) == 0
    (listed,) = json.loads(capsys.readouterr().out)
    assert listed["aliases"] == {"best": "v0", "latest": "v1"} and "aid" not in listed

