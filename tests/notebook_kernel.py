"""Driving a real kernel cell by cell (nbclient), as a notebook front end would."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import run_sync


class Kernel:
    """A live kernel; ``run(source)`` executes one cell and returns its outputs."""

    def __init__(self, cwd: Path) -> None:
        self.nb = nbformat.v4.new_notebook()
        self.client = NotebookClient(self.nb, timeout=120, kernel_name="python3",
                                     allow_errors=True,
                                     resources={"metadata": {"path": str(cwd)}})
        self._ctx = None

    def __enter__(self) -> "Kernel":
        self._ctx = self.client.setup_kernel()
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._ctx.__exit__(*exc)

    def run(self, source: str, cell: nbformat.NotebookNode | None = None) -> list[dict]:
        """Execute ``source`` as a new cell (or re-execute ``cell``)."""
        if cell is None:
            cell = nbformat.v4.new_code_cell(source)
            self.nb.cells.append(cell)
        self.client.execute_cell(cell, self.nb.cells.index(cell))
        return list(cell.outputs)

    def cell(self, source: str) -> nbformat.NotebookNode:
        """A cell to execute (and re-execute) with ``run("", cell)``."""
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        return cell

    def text(self, source: str) -> str:
        """Execute and return everything printed (streams and error values)."""
        return output_text(self.run(source))

    def restart(self, now: bool = False) -> None:
        """Restart the kernel: gracefully (shutdown request) or killed (``now``). The new
        kernel keeps the connection ports, so the client's channels carry on."""
        run_sync(self.client.km.restart_kernel)(now=now)
        run_sync(self.client.kc.wait_for_ready)(timeout=60)


def output_text(outputs: list[dict]) -> str:
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        elif out.get("output_type") == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
        elif "text/plain" in out.get("data", {}):
            parts.append(out["data"]["text/plain"])
    return "".join(parts)


def errors(outputs: list[dict]) -> list[dict]:
    return [o for o in outputs if o.get("output_type") == "error"]
