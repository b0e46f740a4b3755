"""The key a mirrored TensorBoard scalar is stored under.

A tag keeps its name (after its folder's prefix, see ``tailer``), as the contract's tracker
keeps it, unless the run logs that very key itself with ``log()``: the mirrored one is then
``tensorboard/<tag>``, so that the run's own key holds only what it logged. The choice is made
when a tag is first mirrored, counting every key the run has logged by then (in this process,
and before it when resumed), and is stored with the run, so a resumed run goes on under the same
names. Stored points are never renamed (they may be on the tracking server already): when the
run starts logging a key only after TensorBoard's points went there, TensorBoard's go on as
``tensorboard/<tag>`` from then on, and a warning says which steps came from TensorBoard.
"""

from __future__ import annotations

import sys
from typing import Any

from ..sdk.run import mirror_keys, own_keys

PREFIX = "tensorboard/"

Points = dict[str, tuple[list[int], list[float]]]


class Names:
    def __init__(self, run: Any) -> None:
        self.run = run
        self.chosen, history = mirror_keys(run)  # tag -> key
        kept = set(self.chosen.values())
        # Keys the run logged before this process: in its history but not mirrored there.
        self.earlier = ({k for k in history if k not in kept}
                        | {tag for tag, key in self.chosen.items() if key != tag})
        self.own = own_keys(run)
        self.late: dict[str, int] = {}  # tag -> highest step mirrored under the run's own key
        # Choices to store with the next commit: all of them at first, as a fork's come
        # from its source's record.
        self.unsaved = dict(self.chosen)

    def place(self, points: Points) -> tuple[Points, dict[str, str]]:
        """``points`` (tag -> column) by the key each is stored under, and the choices not
        stored yet (to be stored with them; ``saved()`` once they are)."""
        out: Points = {}
        for tag, col in points.items():
            key = self.chosen.get(tag)
            if key is None or (key == tag and self._logged(tag)):
                if key == tag:
                    self._moved(tag)
                key = self.chosen[tag] = self.unsaved[tag] = self._free(tag)
            if key == tag and col[0]:
                self.late[tag] = max(self.late.get(tag, -1), max(col[0]))
            if key in out:
                out[key][0].extend(col[0])
                out[key][1].extend(col[1])
            else:
                out[key] = col
        return out, dict(self.unsaved)

    def saved(self) -> None:
        self.unsaved.clear()

    def _logged(self, key: str) -> bool:
        return key in self.own or key in self.earlier

    def _free(self, tag: str) -> str:
        key = tag
        while self._logged(key):
            key = PREFIX + key
        return key

    def _moved(self, tag: str) -> None:
        last = self.late.get(tag)
        upto = f" up to step {last}" if last is not None else ""
        print(f"nbrun: run {self.run.id} now logs {tag!r} itself; TensorBoard's {tag!r} goes "
              f"on as {self._free(tag)!r} (its points{upto} stay under {tag!r})",
              file=sys.stderr)
