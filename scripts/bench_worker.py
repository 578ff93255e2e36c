#!/usr/bin/env python3
"""`blog-api serve` with two benchmark hooks (started by `bench_clients.start_hooked_worker`).

The server is exactly `blog-api serve` (same command, same options, one worker process); only two
signal handlers are added, so a benchmark can read memory at a well-defined moment:

- SIGUSR1: `gc.collect()`, then touch `$BENCH_WORKER_DIR/gc-<pid>-<n>` (n counts from 1), so the
  next RSS reading does not include garbage waiting for the cyclic collector;
- SIGUSR2: with BENCH_TRACEMALLOC=<frames> in the environment, start tracemalloc on the first
  signal (tracing from start-up would make the imports take minutes), collect, dump a snapshot
  to `$BENCH_WORKER_DIR/tracemalloc-<pid>-<n>.snap`, then touch `$BENCH_WORKER_DIR/snap-<pid>-<n>`.
  Only what is allocated after the first signal is traced: compare later snapshots with it.

    python scripts/bench_worker.py serve --port 8001
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]


def install_hooks(out: Path) -> None:
    """The SIGUSR1 (collect) and SIGUSR2 (tracemalloc snapshot) handlers."""
    counts = {"gc": 0, "snap": 0}
    pid = os.getpid()

    def collect(_signum: int, _frame: FrameType | None) -> None:
        gc.collect()
        counts["gc"] += 1
        (out / f"gc-{pid}-{counts['gc']}").touch()

    def snapshot(_signum: int, _frame: FrameType | None) -> None:
        counts["snap"] += 1
        n = counts["snap"]
        frames = int(os.environ.get("BENCH_TRACEMALLOC", "0") or 0)
        if frames and not tracemalloc.is_tracing():
            tracemalloc.start(frames)
        if tracemalloc.is_tracing():
            gc.collect()
            tracemalloc.take_snapshot().dump(str(out / f"tracemalloc-{pid}-{n}.snap"))
        (out / f"snap-{pid}-{n}").touch()

    signal.signal(signal.SIGUSR1, collect)
    signal.signal(signal.SIGUSR2, snapshot)


def main() -> None:
    install_hooks(Path(os.environ.get("BENCH_WORKER_DIR", ".")))
    sys.path.insert(0, str(ROOT))
    from blog_api.cli import app

    sys.argv = ["blog-api", *sys.argv[1:]]
    app()


if __name__ == "__main__":
    main()
