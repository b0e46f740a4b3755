"""``run.watch()`` for PyTorch models: histograms of gradients and parameters.

A gradient hook on each parameter that requires one (run by autograd after the parameter's
gradient is computed) and, for parameters, a forward hook on the model; each counts its own
calls and logs a 64-bin ``nbrun.Histogram`` every ``log_freq``-th one, with ``commit=False``,
so it joins the row of the user's next ``log()``. Histograms are computed where the tensor
lives (only the 64 counts come to the CPU). torch is imported when a model is passed, never by
``import nbrun``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import UsageError
from ..media import Histogram
from ..sdk.watching import set_watched_state, watched_state

NUM_BINS = 64
LOG_CHOICES = ("gradients", "parameters", "all", None)

@dataclass
class _Watched:
    """The hooks of one run: per watched model (by ``id``), the model and its hook handles."""

    models: dict[int, tuple[Any, list[Any]]] = field(default_factory=dict)
    # Models watched by the run so far: a later one's keys start graph_<its number>/. Counted
    # per run, so a notebook's second run names its model as its first run did.
    next_idx: int = 0


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise UsageError("watch: the models must be PyTorch modules, and PyTorch is not "
                         "installed (pip install torch)") from None
    return torch


def watch(run: Any, models: Any, criterion: Any = None, log: str | None = "gradients",
          log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> list:
    if log not in LOG_CHOICES:
        raise UsageError(f"watch: log must be 'gradients', 'parameters', 'all' or None, got "
                         f"{log!r}")
    if isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1:
        raise UsageError(f"watch: log_freq must be a positive int (every how many passes), "
                         f"got {log_freq!r}")
    if idx is not None and (isinstance(idx, bool) or not isinstance(idx, int) or idx < 0):
        raise UsageError(f"watch: idx must be a non-negative int or None, got {idx!r}")
    if not isinstance(log_graph, bool):
        raise UsageError(f"watch: log_graph must be True or False, got {log_graph!r}")
    listed = tuple(models) if isinstance(models, (list, tuple)) else (models,)
    if not listed:
        raise UsageError("watch: give a PyTorch model (torch.nn.Module) or a list of them")
    torch = _torch()
    for model in listed:
        if not isinstance(model, torch.nn.Module):
            raise UsageError(f"watch: expected a PyTorch model (torch.nn.Module), got "
                             f"{type(model).__module__}.{type(model).__qualname__}")
    state = watched_state(run)
    if state is None:
        state = _Watched()
        set_watched_state(run, state)
    first = state.next_idx if idx is None else idx
    graphs = []
    for offset, model in enumerate(listed):
        number = first + offset
        state.next_idx = max(state.next_idx, number + 1)
        prefix = f"graph_{number}/" if number > 0 else ""
        # Watching a model again (a notebook cell run twice) replaces its hooks.
        _remove(state, model)
        handles: list[Any] = []
        if log in ("gradients", "all"):
            for name, parameter in model.named_parameters():
                if parameter.requires_grad:
                    handles.append(parameter.register_hook(
                        _gradient_hook(run, f"gradients/{prefix}{name}", log_freq)))
        if log in ("parameters", "all"):
            handles.append(model.register_forward_hook(
                _parameter_hook(run, f"parameters/{prefix}", log_freq)))
        state.models[id(model)] = (model, handles)
        if log_graph:
            graphs.append(_save_structure(run, model, criterion, number))
    return graphs


def unwatch(run: Any, models: Any = None) -> None:
    state = watched_state(run)
    if models is None:
        unwatch_all(run)
        return
    listed = tuple(models) if isinstance(models, (list, tuple)) else (models,)
    for model in listed:
        if state is None or id(model) not in state.models:
            raise UsageError(f"unwatch: {type(model).__qualname__} {id(model):#x} is not "
                             "watched by this run")
        _remove(state, model)


def unwatch_all(run: Any) -> None:
    state = watched_state(run)
    if state is not None:
        for model, _ in list(state.models.values()):
            _remove(state, model)


def _remove(state: _Watched, model: Any) -> None:
    _, handles = state.models.pop(id(model), (None, []))
    for handle in handles:
        handle.remove()


def _gradient_hook(run: Any, key: str, log_freq: int) -> Any:
    calls = [0]

    def hook(grad: Any) -> None:
        calls[0] += 1
        if calls[0] % log_freq == 0:
            _log(run, key, grad)

    return hook


def _parameter_hook(run: Any, prefix: str, log_freq: int) -> Any:
    calls = [0]

    def hook(module: Any, inputs: Any, output: Any) -> None:
        calls[0] += 1
        if calls[0] % log_freq == 0:
            for name, parameter in module.named_parameters():
                _log(run, prefix + name, parameter)

    return hook


def _log(run: Any, key: str, tensor: Any) -> None:
    counts_edges = histogram(tensor)
    if counts_edges is not None:
        run.log({key: Histogram(np_histogram=counts_edges)}, commit=False)


def histogram(tensor: Any) -> tuple[list[float], list[float]] | None:
    """``(counts, edges)`` of the tensor's finite values in 64 equal bins (one bin when they
    are all equal); None when it holds none. A sparse tensor's implicit zeros are counted."""
    import torch

    tensor = tensor.detach()
    zeros = 0
    if tensor.is_sparse:
        tensor = tensor.coalesce()
        zeros = tensor.numel() - tensor.values().numel()
        tensor = tensor.values()
    flat = tensor.reshape(-1)
    if not flat.is_floating_point() or flat.dtype in (torch.float16, torch.bfloat16):
        flat = flat.float()  # histc takes float32 and float64
    flat = flat[torch.isfinite(flat)]
    if flat.numel() == 0 and not zeros:
        return None
    low, high = (flat.min().item(), flat.max().item()) if flat.numel() else (0.0, 0.0)
    if zeros:
        low, high = min(low, 0.0), max(high, 0.0)
    if low == high:
        return [float(flat.numel() + zeros)], [low, high]
    counts = torch.histc(flat, bins=NUM_BINS, min=low, max=high).cpu().tolist()
    edges = torch.linspace(low, high, NUM_BINS + 1).tolist()
    if zeros:
        at = min(int((0.0 - low) / (high - low) * NUM_BINS), NUM_BINS - 1)
        counts[at] += zeros
    return counts, edges


def _save_structure(run: Any, model: Any, criterion: Any, number: int) -> str:
    """nbrun draws no computation graph: ``log_graph`` keeps the model's structure (its
    modules and parameter shapes) as text in the run's folder, and returns its path."""
    lines = [repr(model), "", "parameters:"]
    total = 0
    for name, parameter in model.named_parameters():
        total += parameter.numel()
        lines.append(f"  {name}: {tuple(parameter.shape)} "
                     f"{'trainable' if parameter.requires_grad else 'frozen'}")
    lines.append(f"total: {total:,}")
    if criterion is not None:
        lines += ["", f"criterion: {criterion!r}"]
    folder = os.path.join(run.dir, "watch")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"graph_{number}.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path
