"""The PyTorch Lightning logger and the Hugging Face Transformers callback on real (tiny, CPU)
training runs: metrics with the trainer's step, hyperparameters in the config, checkpoints kept
in the run's folder."""

from __future__ import annotations

import os

import pytest

import nbrun

torch = pytest.importorskip("torch", reason="PyTorch is in the test extra")


def test_lightning_logger_logs_metrics_hyperparameters_and_checkpoints(store_dir, api,
                                                                        tmp_path):
    lightning = pytest.importorskip("lightning", reason="lightning is in the test extra")
    from nbrun.integration.lightning import WandbLogger

    class Tiny(lightning.LightningModule):
        def __init__(self, lr: float = 0.1, width: int = 4):
            super().__init__()
            self.save_hyperparameters()
            self.net = torch.nn.Linear(3, 1)

        def training_step(self, batch, _):
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def validation_step(self, batch, _):
            x, y = batch
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(x), y))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    torch.manual_seed(0)
    data = torch.utils.data.TensorDataset(torch.randn(32, 3), torch.randn(32, 1))
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    logger = WandbLogger(project="lit", dir=str(store_dir), offline=True, log_model=True,
                         save_dir=str(tmp_path / "lit"))
    trainer = lightning.Trainer(max_epochs=2, logger=logger, log_every_n_steps=2,
                                enable_progress_bar=False, enable_model_summary=False,
                                accelerator="cpu", default_root_dir=str(tmp_path))
    trainer.fit(Tiny(), loader, loader)
    run = logger.experiment
    assert run is nbrun.run and logger.version == run.id and logger.name == "lit"
    run.finish()
    record = api().run(run.id)
    rows = record.history()
    train = [r for r in rows if "train_loss" in r]
    assert [r["trainer/global_step"] for r in train] == [1, 3, 5, 7]
    val = [r for r in rows if "val_loss" in r]
    assert len(val) == 2 and "epoch" in val[0]
    assert record.config["lr"] == 0.1 and record.config["width"] == 4
    assert record.metrics["*"]["step_metric"] == "trainer/global_step"
    (model,) = record.logged_artifacts()
    assert model.type == "model" and {"best", "latest"} <= set(model.aliases)
    downloaded = model.file(str(tmp_path / "dl"))
    assert os.path.basename(downloaded) == os.path.basename(
        trainer.checkpoint_callback.best_model_path)
    assert "state_dict" in torch.load(downloaded, weights_only=False)


def test_transformers_callback_logs_what_the_trainer_logs(store_dir, api, tmp_path,
                                                          monkeypatch):
    transformers = pytest.importorskip("transformers",
                                       reason="transformers is in the test extra")
    from nbrun.integration.transformers import WandbCallback

    monkeypatch.setenv("NBRUN_DIR", str(store_dir))
    monkeypatch.setenv("NBRUN_MODE", "offline")

    class Regressor(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Linear(3, 1)

        def forward(self, x, labels=None):
            out = self.net(x)
            loss = torch.nn.functional.mse_loss(out, labels) if labels is not None else None
            return {"loss": loss, "logits": out}

    torch.manual_seed(0)
    rows = [{"x": torch.randn(3), "labels": torch.randn(1)} for _ in range(32)]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"), max_steps=6, logging_steps=2,
        per_device_train_batch_size=4, eval_strategy="steps", eval_steps=3,
        save_strategy="no", report_to="none", use_cpu=True, learning_rate=0.01,
        disable_tqdm=True)
    trainer = transformers.Trainer(model=Regressor(), args=args, train_dataset=rows,
                                   eval_dataset=rows[:8], callbacks=[WandbCallback()])
    trainer.train()
    run = nbrun.run
    assert run is not None and run.project == "huggingface"
    run.finish()
    record = api().run(run.id)
    history = record.history()
    losses = [r for r in history if "train/loss" in r]
    assert [r["train/global_step"] for r in losses] == [2, 4, 6]
    evals = [r for r in history if "eval/loss" in r]
    assert [r["train/global_step"] for r in evals] == [3, 6]
    assert any("train/train_runtime" in r for r in history)
    assert record.config["learning_rate"] == 0.01 and record.config["max_steps"] == 6
