"""Hugging Face Transformers: ``NbrunCallback`` (also ``WandbCallback``), a ``TrainerCallback``
that logs what the ``Trainer`` logs to an nbrun run.

    trainer = Trainer(model, args, train_dataset=..., callbacks=[NbrunCallback()])

Pass ``report_to="none"`` (or a list without ``"wandb"``) in ``TrainingArguments`` so that the
Trainer does not also load its own integration of the contract tracker. At the start of training
the run is the current one or one started with ``nbrun.init()`` (``NBRUN_PROJECT`` and the
other variables apply; ``project`` defaults to ``huggingface``); the training arguments and the
model's configuration go to its config. Logged values are renamed as the tracker's integration
renames them: ``eval_loss`` -> ``eval/loss``, ``test_*`` -> ``test/*``, the rest ``train/*``,
with ``train/global_step``. Only the main process logs.
"""

from __future__ import annotations

import numbers
import os
from typing import Any

from transformers import TrainerCallback

from ..sdk import registry

__all__ = ["NbrunCallback", "WandbCallback"]


def rewrite(logs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in logs.items():
        if not isinstance(value, numbers.Number):
            continue  # a text value (a learning-rate schedule's name) is no metric
        for head in ("eval_", "test_"):
            if key.startswith(head):
                out[head[:-1] + "/" + key[len(head):]] = value
                break
        else:
            out["train/" + key] = value
    return out


class NbrunCallback(TrainerCallback):
    def __init__(self, **init_args: Any) -> None:
        """``init_args`` are passed to ``nbrun.init()`` if the callback starts the run."""
        self.init_args = init_args
        self.run: Any = None

    def setup(self, args: Any, state: Any, model: Any) -> None:
        if not state.is_world_process_zero or self.run is not None:
            return
        import nbrun

        self.run = registry.current()
        if self.run is None:
            init_args = dict(self.init_args)
            if "project" not in init_args and not os.environ.get("NBRUN_PROJECT"):
                init_args["project"] = "huggingface"
            if getattr(args, "run_name", None) and args.run_name != args.output_dir:
                init_args.setdefault("name", args.run_name)
            self.run = nbrun.init(**init_args)
        config = _plain(args.to_dict())
        model_config = getattr(model, "config", None)
        if model_config is not None and hasattr(model_config, "to_dict"):
            config = {**_plain(model_config.to_dict()), **config}
        self.run.config.update(config, allow_val_change=True)

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None,
                       **kwargs: Any) -> None:
        self.setup(args, state, model)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None,
               model: Any = None, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        if self.run is None:
            self.setup(args, state, model)
        row = rewrite(logs or {})
        row["train/global_step"] = state.global_step
        self.run.log(row)


def _plain(config: dict[str, Any]) -> dict[str, Any]:
    """Config values nbrun stores; anything else (an enum, a device) as its text."""
    out = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out[key] = _plain(value)
        elif value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
        elif isinstance(value, (list, tuple)) and all(
                v is None or isinstance(v, (bool, int, float, str)) for v in value):
            out[key] = list(value)
        else:
            out[key] = str(value)
    return out


WandbCallback = NbrunCallback
