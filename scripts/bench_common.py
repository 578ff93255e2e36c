"""Shared pieces of the benchmark scripts (`bench_realtime.py`, `bench_api.py`).

Real processes only: a PostgreSQL database of the benchmark's own (dropped, created and migrated
with the real `blog-api migrate`), `blog-api serve` workers on free localhost ports, and, where
Redis command counts must be exact, a private `redis-server`. Nothing here is imported by the app.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-password-42"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"


# --- statistics ---------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (`q` in 0..100) of already sorted values."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    rank = (len(sorted_values) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    frac = rank - low
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * frac)


def summarize_ms(seconds: Iterable[float]) -> dict[str, float]:
    """n, p50/p95/p99/max/mean in milliseconds of durations given in seconds."""
    values = sorted(s * 1000 for s in seconds)
    if not values:
        return {"n": 0, "p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": values[-1],
        "mean": sum(values) / len(values),
    }


def fmt(value: object, digits: int = 1) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 1) -> str:
    """A plain-text table (also valid Markdown) with right-aligned numbers."""
    cells = [[fmt(c, digits) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.rjust(w) for v, w in zip(values, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"
    return "\n".join([line(headers), sep, *(line(r) for r in cells)])


# --- the machine --------------------------------------------------------------------------------


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return round(one, 2), round(five, 2), round(fifteen, 2)


def wait_until_quiet(max_load: float, wait_seconds: float) -> tuple[float, float, float]:
    """Wait (up to `wait_seconds`) for the 1-minute load average to fall below `max_load`."""
    deadline = time.monotonic() + wait_seconds
    load = load_average()
    while load[0] >= max_load and time.monotonic() < deadline:
        print(f"load average {load[0]} >= {max_load}: waiting for the machine to calm down")
        time.sleep(min(15.0, max(0.0, deadline - time.monotonic())))
        load = load_average()
    if load[0] >= max_load:
        print(f"warning: measuring with load average {load[0]} (>= {max_load}): figures are noisy")
    return load


def machine_info() -> dict[str, Any]:
    model = ""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        for row in Path("/proc/meminfo").read_text().splitlines():
            if row.startswith("MemTotal:"):
                mem_gib = round(int(row.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS from /proc/<pid>/status), in KiB."""
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith("VmRSS:"):
            return int(row.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (from /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the line)
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tcp_queues(local_port: int, remote_port: int) -> tuple[int, int] | None:
    """(send queue, receive queue) in bytes of the IPv4 TCP socket local_port -> remote_port."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote, queues = parts[1], parts[2], parts[4]
        if int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == (
            remote_port
        ):
            tx, rx = queues.split(":")
            return int(tx, 16), int(rx, 16)
    return None


# --- services -----------------------------------------------------------------------------------


def run_cli(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The real `blog-api` command (as `python -m blog_api.cli`, the venv's interpreter)."""
    return subprocess.run(
        [sys.executable, "-m", "blog_api.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def recreate_database(postgres: str, name: str) -> str:
    """Drop and create database `name` on the server at `postgres`; returns its URL."""
    import asyncpg

    base = postgres.rstrip("/")
    conn = await asyncpg.connect(base.replace("postgres://", "postgresql://", 1) + "/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


def prepare_database(postgres: str, name: str, env: dict[str, str]) -> str:
    """A fresh database migrated by `blog-api migrate`."""
    url = asyncio.run(recreate_database(postgres, name))
    result = run_cli("migrate", env={**env, "DATABASE_URL": url})
    if result.returncode != 0:
        raise RuntimeError(f"blog-api migrate failed:\n{result.stdout}\n{result.stderr}")
    return url


class PrivateRedis:
    """A throwaway `redis-server` on a free port (no persistence): its INFO counts only us."""

    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.proc = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def flush_redis(url: str) -> None:
    """Empty one Redis database (the benchmark's own number)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def redis_command_calls(url: str, command: str) -> int:
    """`calls` of `cmdstat_<command>` in INFO commandstats (server-wide)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    entry = stats.get(f"cmdstat_{command}", {})
    return int(entry.get("calls", 0)) if isinstance(entry, dict) else 0


@dataclass
class Worker:
    """One `blog-api serve` process (one Uvicorn worker: its pid is the worker's)."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log_path: Path
    exit_seconds: float | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def terminate_and_time(self, timeout: float = 30.0) -> float:
        """SIGTERM, then seconds until the process has exited (SIGKILL after `timeout`)."""
        start = time.monotonic()
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)
        self.exit_seconds = time.monotonic() - start
        return self.exit_seconds

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.terminate_and_time(timeout=15.0)


def serve_arguments(port: int, graceful_timeout: int) -> list[str]:
    """The arguments of `blog-api serve` after the command itself (localhost, `port`)."""
    return [
        *("serve", "--host", "127.0.0.1", "--port", str(port)),
        *("--graceful-timeout", str(graceful_timeout)),
    ]


def spawn(
    name: str, port: int, command: Sequence[str], log_dir: Path, env: dict[str, str] | None
) -> Worker:
    """Start `command` (cwd: the repository) with its output in `<log_dir>/<name>.log`."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            list(command), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    return Worker(name, port, popen, log_path)


def wait_ready(worker: Worker, label: str | None = None) -> Worker:
    """Wait (30 s at most) until the process answers 200 on /readyz; stop it and raise if it
    exits first or never does. `label` names it in the error (its name by default)."""
    label = label or worker.name
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if worker.popen.poll() is not None:
            raise RuntimeError(f"{label} exited early:\n{worker.log()[-3000:]}")
        try:
            if httpx.get(f"{worker.url}/readyz", timeout=1).status_code == 200:
                return worker
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    worker.stop()
    raise RuntimeError(f"{label} not ready after 30 s:\n{worker.log()[-3000:]}")


def start_worker(
    name: str, env: dict[str, str], log_dir: Path, *, graceful_timeout: int = 8
) -> Worker:
    """`blog-api serve --port <free>`; waits until /readyz answers 200.

    `graceful_timeout` is serve's --graceful-timeout (8 s by default, as in production).
    """
    port = free_port()
    command = [sys.executable, "-m", "blog_api.cli", *serve_arguments(port, graceful_timeout)]
    return wait_ready(spawn(name, port, command, log_dir, env))


def start_workers(
    env: dict[str, str], log_dir: Path, graceful_timeout: int, names: Sequence[str] = ("A", "B")
) -> list[Worker]:
    """`start_worker` for each of `names` (workers A and B by default)."""
    return [start_worker(n, env, log_dir, graceful_timeout=graceful_timeout) for n in names]


def base_env(**extra: str) -> dict[str, str]:
    """The environment of app processes and CLI calls: ours, minus test settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST_"))}
    env.update(
        ENVIRONMENT="development",
        SECRET_KEY="bench-" + os.urandom(24).hex(),
        RATE_LIMIT_ENABLED="false",
        LOG_JSON="true",
        CORS_ORIGINS="",
    )
    env.update(extra)
    return env


def worker_env(
    redis_url: str, workdir: Path, *, hash_profile: str = "fast", **extra: str
) -> dict[str, str]:
    """`base_env` of the benchmarks' workers: PASSWORD_HASH_PROFILE `hash_profile`, REDIS_URL
    `redis_url`, media under `workdir`, plus `extra`."""
    return base_env(
        PASSWORD_HASH_PROFILE=hash_profile,
        REDIS_URL=redis_url,
        MEDIA_ROOT=str(workdir / "media"),
        **extra,
    )


def setup_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    """A fresh, migrated --database on --postgres; its URL goes into `env["DATABASE_URL"]`."""
    print(f"preparing database {args.database} (blog-api migrate)")
    env["DATABASE_URL"] = prepare_database(args.postgres, args.database, env)


def open_redis(url: str) -> tuple[str, PrivateRedis | None]:
    """(Redis URL, private server or None): `url` flushed when given, else a `PrivateRedis`."""
    if url:
        flush_redis(url)
        return url, None
    redis = PrivateRedis()
    return redis.url, redis


def redis_label(redis: PrivateRedis | None, url: str) -> str:
    """How the results name the Redis used."""
    return "private redis-server" if redis is not None else url


def print_logs(processes: Iterable[Worker]) -> None:
    """The last lines of each process's log (after a failure)."""
    for process in processes:
        print(f"--- log of {process.name} (last lines)\n{process.log()[-2000:]}")


def remove_workdir(workdir: Path, keep_logs: bool) -> None:
    """Delete the working directory, or (--keep-logs) say where the logs are."""
    if keep_logs:
        print(f"worker logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


def write_json(path: str | None, payload: dict[str, Any]) -> None:
    if not path:
        return
    Path(path).write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"\nJSON written to {path}")


def use_uvloop() -> None:
    """Run the client side on uvloop when installed (less client overhead in the figures)."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


# --- command line and verdicts -------------------------------------------------------------------

PRIVATE_REDIS_HELP = "use this Redis (its db is flushed) instead of a private redis-server"
GRACEFUL_TIMEOUT_HELP = "blog-api serve --graceful-timeout"
TOO_BUSY = "machine too busy to judge"


def new_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser described by the first paragraph of the script's docstring `doc`."""
    return argparse.ArgumentParser(
        description=doc.split("\n\n")[0] if doc else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )


def add_server_options(
    parser: argparse.ArgumentParser,
    database: str,
    *,
    redis_help: str | None = PRIVATE_REDIS_HELP,
    graceful_timeout_help: str | None = GRACEFUL_TIMEOUT_HELP,
) -> None:
    """--postgres and --database (default `database`); --redis-url (default: a private
    redis-server) and --graceful-timeout unless their help is None."""
    parser.add_argument(
        "--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server URL (no database)"
    )
    parser.add_argument("--database", default=database, help="database (re-created)")
    if redis_help is not None:
        parser.add_argument("--redis-url", default="", help=redis_help)
    if graceful_timeout_help is not None:
        parser.add_argument("--graceful-timeout", type=int, default=8, help=graceful_timeout_help)


def add_run_options(parser: argparse.ArgumentParser, *, keep_logs: bool = False) -> None:
    """--max-load and --wait-idle (the quiet-machine wait), --keep-logs if asked, --json."""
    parser.add_argument("--max-load", type=float, default=1.5, help="1-minute load average limit")
    parser.add_argument(
        "--wait-idle", type=float, default=0.0, help="seconds to wait for load < --max-load"
    )
    if keep_logs:
        parser.add_argument(
            "--keep-logs",
            action="store_true",
            help="keep the workers' logs (kept anyway on failure)",
        )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")


def settings(args: argparse.Namespace, *skip: str) -> dict[str, Any]:
    """The options as given, for the results (without --json and `skip`)."""
    return {k: v for k, v in vars(args).items() if k not in ("json", *skip)}


def judge(
    results: dict[str, Any], found: Iterable[tuple[str, bool, str]], *, judged: bool = True
) -> None:
    """`results["verdicts"]` from (figure, met, measured); `met` is None when not `judged`."""
    results["verdicts"] = [
        {"figure": f, "met": ok if judged else None, "measured": m} for f, ok, m in found
    ]


def all_met(results: dict[str, Any]) -> bool:
    return all(v["met"] for v in results["verdicts"])


def print_verdicts(results: dict[str, Any], note: str | None = None) -> None:
    """The "Issue figures" table (a verdict not judged reads TOO_BUSY), after `note` if any."""
    print("\nIssue figures")
    if note:
        print(note)
    print(
        table(
            ["figure", "met", "measured"],
            [
                [
                    v["figure"],
                    TOO_BUSY if v["met"] is None else "yes" if v["met"] else "NO",
                    v["measured"],
                ]
                for v in results["verdicts"]
            ],
        )
    )


def finish(
    results: dict[str, Any],
    verdicts_of: Any,
    report_of: Any,
    json_path: str | None,
    load_before: tuple[float, float, float],
) -> int:
    """Judge `results`, print the report, the verdicts and the machine line, write the JSON;
    the exit code: 0 when every figure is met, 1 otherwise."""
    judge(results, verdicts_of(results))
    print(report_of(results))
    print_verdicts(results)
    load_after = results["load_average_after"][0]
    print(f"{machine_line(results, load_before, load_after)}, {results['seconds']} s")
    write_json(json_path, results)
    return 0 if all_met(results) else 1


def print_busy_warning(load_before: tuple[float, float, float], max_load: float) -> None:
    """The warning printed when the machine was too busy at the start to trust the figures."""
    print(
        f"\nWARNING: machine too busy to judge: load average {load_before[0]} at the start "
        f"(limit {max_load}); rerun on a quiet machine (--wait-idle) before trusting "
        "these figures"
    )


def machine_line(
    results: dict[str, Any], load_before: tuple[float, float, float], load_after: object
) -> str:
    """The start of the last line printed: CPUs and the load averages before and after."""
    machine = results["machine"]
    return (
        f"\n{machine['cpus']} CPUs ({machine['cpu_model']}), load average "
        f"{load_before[0]} before / {load_after} after"
    )
