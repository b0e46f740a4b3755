"""``run.watch()`` on a real (tiny, CPU) PyTorch model: histograms of gradients and parameters
every ``log_freq`` passes, joined to the user's rows; hooks gone at ``unwatch()`` and
``finish()``; torch imported only when a model is passed."""

from __future__ import annotations

import pytest

import nbrun
from nbrun.errors import UsageError

from conftest import run_python

torch = pytest.importorskip("torch", reason="PyTorch is in the test extra; without it "
                            "run.watch() cannot be tested")


def tiny_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))


def train(run, model, steps):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    x, y = torch.randn(16, 3), torch.randn(16, 1)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        run.log({"loss": loss.item()})


def test_gradients_every_log_freq_steps_joined_to_the_users_rows(store_dir, api):
    run = nbrun.init(dir=str(store_dir), mode="offline", project="w")
    model = tiny_model()
    assert run.watch(model, log_freq=3) == []
    train(run, model, 7)
    run.finish()
    record = api().run(run.id)
    names = {"gradients/0.weight", "gradients/0.bias", "gradients/2.weight", "gradients/2.bias"}
    assert names <= set(record.keys()) and not any(k.startswith("parameters/")
                                                   for k in record.keys())
    rows = record.history(["gradients/0.weight", "loss"])
    assert [r["_step"] for r in rows if "gradients/0.weight" in r] == [2, 5]
    assert all("loss" in r for r in rows) and len(rows) == 7
    hist = rows[2]["gradients/0.weight"]
    assert isinstance(hist, nbrun.Histogram) and sum(hist.histogram) == 12  # 4 x 3 weights
    assert len(hist.bins) == 65 and hist.bins[0] < hist.bins[-1]


def test_all_logs_parameters_too_and_unwatch_and_finish_remove_the_hooks(store_dir, api):
    run = nbrun.init(dir=str(store_dir), mode="offline", project="w")
    model, other = tiny_model(), tiny_model()
    run.watch([model, other], log="all", log_freq=1)
    train(run, model, 1)
    run.unwatch(model)
    train(run, model, 1)  # no more hooks on the first model
    train(run, other, 1)
    run.finish()
    assert all(not p._backward_hooks for p in other.parameters())
    assert not other._forward_hooks
    record = api().run(run.id)
    first = [r["_step"] for r in record.history(["gradients/0.weight"])
             if "gradients/0.weight" in r]
    assert first == [0]
    assert [r["_step"] for r in record.history(["parameters/graph_1/0.weight"])
            if "parameters/graph_1/0.weight" in r] == [2]
    assert sum(record.summary["parameters/graph_1/2.weight"].histogram) == 4
    with pytest.raises(UsageError, match="is not watched by this run"):
        run.unwatch(model)


def test_module_level_watch_log_graph_and_bad_input(store_dir):
    with pytest.raises(UsageError, match="there is no active run"):
        nbrun.watch(tiny_model())
    run = nbrun.init(dir=str(store_dir), mode="offline", project="w")
    (path,) = nbrun.watch(tiny_model(), criterion=torch.nn.MSELoss(), log=None,
                          log_graph=True, idx=0)
    text = open(path).read()
    assert "Linear(in_features=3, out_features=4" in text and "total: 21" in text
    assert "criterion: MSELoss()" in text
    with pytest.raises(UsageError, match=r"expected a PyTorch model \(torch.nn.Module\), got "
                                         "builtins.str"):
        run.watch("model")
    with pytest.raises(UsageError, match="log must be 'gradients', 'parameters', 'all' or "
                                         "None, got 'grads'"):
        run.watch(tiny_model(), log="grads")
    with pytest.raises(UsageError, match="log_freq must be a positive int"):
        run.watch(tiny_model(), log_freq=0)
    nbrun.unwatch()
    run.finish()


def test_sparse_and_constant_tensors():
    from nbrun.integration.torch import histogram

    sparse = torch.sparse_coo_tensor([[0, 5]], [2.0, 4.0], (10,))
    counts, edges = histogram(sparse)
    assert sum(counts) == 10 and edges[0] == 0.0 and edges[-1] == 4.0 and counts[0] == 8
    assert histogram(torch.full((5,), 3.0)) == ([5.0], [3.0, 3.0])
    assert histogram(torch.tensor([float("nan"), float("inf")])) is None


def test_torch_is_imported_only_when_a_model_is_passed(store_dir):
    proc = run_python(f"""
        import sys
        import nbrun
        run = nbrun.init(dir={str(store_dir)!r}, mode="offline", project="w")
        run.log({{"a": 1}})
        run.unwatch()
        print("torch" in sys.modules)
        run.finish()
    """, check=False)
    assert proc.stdout.strip() == "False", proc.stderr
