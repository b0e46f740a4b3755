"""The table that ``bench_engine.py`` prints: each figure per tracker, nbrun's ratios to its
peers, and whether nbrun meets its targets."""

from __future__ import annotations

from typing import Any, Callable

# (key, label, display scale, decimals, target label, target check on the raw value)
Row = tuple[str, str, float, int, str, Callable[[float], bool] | None]


def rows(init_reps: int, finish_steps: int) -> list[Row]:
    return [
        ("import_s", "import (ms)", 1e3, 0, "< 150 ms", lambda v: v < 0.15),
        ("init_first_s", "init, 1st in process (ms)", 1e3, 1, "< 20 ms", lambda v: v < 0.02),
        ("init_median_s", f"init, median of {init_reps} (ms)", 1e3, 1, "< 20 ms", lambda v: v < 0.02),
        ("log_us", "log(3 scalars) per call (us)", 1, 2, "<= 1.5 us", lambda v: v <= 1.5),
        ("steps_per_s", "sustained steps/s to disk", 1, 0, ">= 500,000", lambda v: v >= 500_000),
        ("steps_per_s_batch", "  same, MLflow log_batch", 1, 0, "", None),
        ("finish_s", f"finish() after {finish_steps // 1000}k steps (ms)", 1e3, 1, "<= wandb", None),
        ("rss_total_mb", "peak RSS, sustained run (MB)", 1, 0, "", None),
        ("disabled_init_s", "disabled: init (ms)", 1e3, 3, "", None),
        ("disabled_log_us", "disabled: log per call (us)", 1, 3, "< 0.5 us", lambda v: v < 0.5),
        ("disabled_log_gross_us", "  same, incl. loop + dict build", 1, 3, "", None),
    ]


def fmt(value: Any, scale: float, decimals: int) -> str:
    return "-" if value is None else f"{value * scale:,.{decimals}f}"


def fmt_ratio(ratio: float) -> str:
    if ratio >= 100:
        return f"{ratio:,.0f}x"
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2g}x"


def memory_flat(nb: dict[str, Any]) -> tuple[str, bool | None]:
    small, big = nb.get("rss_small_mb"), nb.get("rss_mb")
    if small is None or big is None:
        return "-", None
    # "Flat": 5x the steps costs at most 10% (or 10 MB) more peak RSS.
    flat = big - small <= max(10.0, 0.10 * small)
    return f"{small:.0f} -> {big:.0f} MB", flat


def print_report(results: dict[str, dict[str, Any]], trackers: tuple[str, ...], init_reps: int,
                 finish_steps: int) -> dict[str, Any]:
    for figs in results.values():
        if "rss_mb" in figs:  # count helper processes (wandb-core) too: nbrun has none
            figs["rss_total_mb"] = (figs.get("rss_mb") or 0) + (figs.get("rss_helpers_mb") or 0)
    nb = results.get("nbrun", {})
    has_nb = "nbrun" in results and "status" not in nb
    peers = [t for t in ("wandb", "mlflow") if t in results] if has_nb else []
    cols = [t for t in trackers if t in results]
    header = ["figure", *cols, *[f"nbrun/{p}" for p in peers], "nbrun target", "met?"]
    lines, verdicts = [], {}
    for key, label, scale, dec, target, check in rows(init_reps, finish_steps):
        if check is None and all(results[t].get(key) is None for t in cols):
            continue  # e.g. the MLflow log_batch row when MLflow was not run
        cells = [label]
        for t in cols:
            figs = results[t]
            cells.append(figs["status"] if "status" in figs else fmt(figs.get(key), scale, dec))
        nb_value = nb.get("steps_per_s" if key == "steps_per_s_batch" else key)
        for p in peers:
            peer_value = results[p].get(key)
            ok = isinstance(nb_value, (int, float)) and isinstance(peer_value, (int, float)) and peer_value
            cells.append(fmt_ratio(nb_value / peer_value) if ok else "-")
        met = check(nb[key]) if check and nb.get(key) is not None else None
        verdicts[key] = met
        cells += [target, {True: "met", False: "MISSED", None: ""}[met]]
        lines.append(cells)
    # Targets relative to a peer measured in the same run (issue 10): finish() no slower than
    # wandb offline's, init() at least 50x faster than wandb offline's.
    wb = results.get("wandb", {})
    for key, label, check in (
            ("finish_s", "finish() <= wandb's", lambda n, w: n <= w),
            ("init_median_s", "init() >= 50x faster than wandb's", lambda n, w: w / n >= 50),
            ("init_first_s", "first init() >= 50x faster than wandb's", lambda n, w: w / n >= 50)):
        n, w = nb.get(key), wb.get(key)
        both = isinstance(n, (int, float)) and isinstance(w, (int, float)) and n
        met = check(n, w) if both else None
        verdicts[key + "_vs_wandb"] = met
        verdict = {True: "met", False: "MISSED", None: "-"}[met]
        lines.append([label, *[""] * (len(header) - 2), verdict])
    flat_text, flat = memory_flat(nb)
    verdicts["memory_flat"] = flat
    if has_nb:
        steps_text = f"{nb.get('rss_small_steps', 0) // 1000}k -> {nb.get('sustained_steps', 0) // 1000}k"
        lines.append([f"nbrun peak RSS, {steps_text} steps", flat_text, *[""] * (len(header) - 4), "flat",
                      {True: "met", False: "MISSED", None: ""}[flat]])
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *lines]:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print()
    for t in cols:
        figs = results[t]
        if "sustained_steps" in figs:
            print(f"{t}: steps/s from a {figs['sustained_steps']:,}-step run; peak RSS from a "
                  f"{figs.get('rss_steps', figs['sustained_steps']):,}-step run = {fmt(figs.get('rss_mb'), 1, 0)} MB "
                  f"process + {fmt(figs.get('rss_helpers_mb'), 1, 0)} MB child processes")
        for note in figs.get("notes", []):
            print(f"{t}: {note}")
    print("log/disabled timings are net of the bare loop + dict-building overhead; "
          "steps/s = steps / (first log .. finish() returned); ratios are nbrun/peer.")
    return verdicts
