"""sync_tensorboard: mirroring throughput and lag.

Run: python tests/benchmarks/bench_integrations.py [--points N] [--lags N]
     (prints figures; asserts nothing)
Targets: >= 100,000 scalars/s from event files into the store; < 1 s from a SummaryWriter's
add_scalar + flush() to the point being readable through Api.

Throughput: tensorboardX writes N scalars (4 tags) into an event file; a run mirroring that folder
reads and commits them in one tick (the tailer's own thread is stopped so that one tick is timed
alone). For comparison, TensorBoard's own EventFileLoader reads the same file (records and
protos only, nothing stored).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time


def write_events(folder: str, points: int) -> None:
    """An event file as tensorboardX's SummaryWriter writes it, through its synchronous
    writer (its queue and worker thread would make writing, not reading, the slow part)."""
    from tensorboardX.event_file_writer import EventsWriter
    from tensorboardX.proto.event_pb2 import Event
    from tensorboardX.summary import scalar

    os.makedirs(folder)
    writer = EventsWriter(os.path.join(folder, "events"))
    tags = ("loss", "acc", "lr", "grad_norm")
    for i in range(points // len(tags)):
        for k, tag in enumerate(tags):
            writer.write_event(Event(wall_time=time.time(), step=i,
                                     summary=scalar(tag, 1.0 / (i + k + 1))))
    writer.close()


def throughput(points: int) -> None:
    import nbrun
    from nbrun.integration import eventfiles, tensorboard

    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    with tempfile.TemporaryDirectory() as tmp:
        logs = os.path.join(tmp, "logs")
        t = time.perf_counter()
        write_events(logs, points)
        print(f"tensorboardX wrote {points:,} scalars in {time.perf_counter() - t:.1f} s")
        (name,) = os.listdir(logs)
        path = os.path.join(logs, name)
        size = os.path.getsize(path)

        t = time.perf_counter()
        n = sum(len(e.summary.value) for e in EventFileLoader(path).Load())
        loader_s = time.perf_counter() - t
        t, cpu = time.perf_counter(), time.thread_time()
        read = eventfiles.read_records(path, 0)
        parsed = eventfiles.scalars(read, {}, "", {})
        parse_s, parse_cpu = time.perf_counter() - t, time.thread_time() - cpu
        payloads = read.records
        cpu = time.thread_time()
        assert not read.failing(list(range(len(payloads))))
        crc_cpu = time.thread_time() - cpu

        os.utime(path)  # written "during the run": files older than the run are not mirrored
        run = nbrun.init(dir=tmp, mode="offline", project="bench", sync_tensorboard=True,
                         settings={"silent": True})
        tailer = tensorboard.tailer_of(run)
        tailer.stop()
        tailer.add_root(logs)
        t, cpu = time.perf_counter(), time.thread_time()
        mirrored = tailer.tick(final=True)
        tick_s, tick_cpu = time.perf_counter() - t, time.thread_time() - cpu
        run.finish()
        assert mirrored == points, (mirrored, points)
        stored = len(nbrun.Api(tmp).run(run.id).history(["loss"]))
        print(f"event file: {size / 1e6:.1f} MB, {n:,} values")
        print(f"mirrored into the store: {mirrored / tick_s:,.0f} scalars/s "
              f"({mirrored:,} in {tick_s:.2f} s; 'loss' has {stored:,} points)")
        print(f"  per CPU second of the mirroring thread: {mirrored / tick_cpu:,.0f} scalars/s "
              "(what an idle core gives; the figure above includes waiting for a busy CPU)")
        print(f"of which reading and parsing: {parsed / parse_s:,.0f} scalars/s alone "
              f"({parsed / parse_cpu:,.0f} per CPU second), checking every record's CRC "
              f"{len(payloads) / crc_cpu:,.0f} records/s alone")
        print(f"TensorBoard's EventFileLoader, reading only: {n / loader_s:,.0f} values/s "
              f"(mirroring is {loader_s / tick_s:.1f}x its speed, store included)")


def lag(samples: int) -> None:
    import nbrun
    from tensorboardX import SummaryWriter

    with tempfile.TemporaryDirectory() as tmp:
        run = nbrun.init(dir=tmp, mode="offline", project="bench", sync_tensorboard=True,
                         settings={"silent": True})
        writer = SummaryWriter(os.path.join(tmp, "logs"))
        api = nbrun.Api(tmp)
        lags = []
        for i in range(samples):
            t = time.perf_counter()
            writer.add_scalar("lag", float(i), i)
            writer.flush()
            while True:
                rows = api.run(run.id).history(["lag"])
                if rows and rows[-1]["_step"] == i:
                    break
                time.sleep(0.005)
                writer.flush()  # tensorboardX's flush() does not wait for its worker's queue
            lags.append(time.perf_counter() - t)
            time.sleep(0.05)
        run.finish()
        writer.close()
    lags.sort()
    p95 = lags[int(0.95 * (samples - 1))]
    print(f"lag add_scalar + flush() -> readable through Api ({samples} points): median "
          f"{statistics.median(lags) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {lags[-1] * 1000:.0f} ms")


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--lags", type=int, default=40)
    args = parser.parse_args()
    throughput(args.points)
    lag(args.lags)


if __name__ == "__main__":
    main()
