"""A private three-node Redis Cluster on free localhost ports, for the tests of `REDIS_CLUSTER=true`.

    def test_x(redis_cluster: RedisClusterNodes) -> None:
        env = {"REDIS_URL": redis_cluster.url, "REDIS_CLUSTER": "true"}

Three primaries, no replicas (`redis-cli --cluster create ... --cluster-replicas 0`), so the 16384
hash slots are spread over three processes and a key, a script or a MULTI that crosses slots
fails as it would on a managed cluster. Nothing is persisted. Started once per test session (the
slow part is the cluster's agreement, a second or two) and stopped at its end. Without
`redis-server`/`redis-cli` it skips as a missing Redis, which CI=true turns into a failure
(tests/conftest.py).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.harness import Proc, _wait_until, free_port, require_binary

NODES = 3


class RedisClusterNodes:
    """Three `redis-server --cluster-enabled yes` processes joined into one cluster."""

    def __init__(self, workdir: Path) -> None:
        self.server = require_binary("redis-server", "Redis")
        self.cli = require_binary("redis-cli", "Redis")
        self.workdir = workdir
        # The bus port is given explicitly (`--cluster-port`): the default, port + 10000, may be
        # taken or beyond 65535 for an ephemeral port.
        self.ports = [(free_port(), free_port()) for _ in range(NODES)]
        self.procs: list[Proc] = []

    @property
    def url(self) -> str:
        """REDIS_URL for the app: any one node (the client discovers the others)."""
        return f"redis://127.0.0.1:{self.ports[0][0]}/0"

    def start(self) -> RedisClusterNodes:
        for port, bus_port in self.ports:
            folder = self.workdir / str(port)
            folder.mkdir(parents=True, exist_ok=True)
            cmd = [
                self.server,
                "--port",
                str(port),
                "--cluster-port",
                str(bus_port),
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
                "--appendonly",
                "no",
                "--save",
                "",
                "--dir",
                str(folder),
            ]
            log_path = folder / "redis.log"
            with log_path.open("ab") as log:
                popen = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
            self.procs.append(Proc(f"redis-{port}", popen, log_path, port))
        for proc in self.procs:
            _wait_until(lambda p=proc: self._node(p.port).ping(), proc, proc.name, timeout=10)
        created = subprocess.run(
            [
                self.cli,
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port, _ in self.ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert created.returncode == 0, created.stdout + created.stderr
        self._wait_for_ok()
        return self

    def _node(self, port: int) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, decode_responses=True)

    def _wait_for_ok(self, timeout: float = 20.0) -> None:
        """Until every node reports `cluster_state:ok` and knows all three primaries."""
        deadline = time.monotonic() + timeout
        while True:
            states = []
            for port, _ in self.ports:
                with self._node(port) as node:
                    info = node.execute_command("CLUSTER INFO")  # parsed into a dict
                    states.append(
                        info.get("cluster_state") == "ok"
                        and info.get("cluster_known_nodes") == str(NODES)
                    )
            if all(states):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"cluster not ok after {timeout}s: {states}")
            time.sleep(0.1)

    def flush(self) -> None:
        """Empty every node."""
        for port, _ in self.ports:
            with self._node(port) as node:
                node.flushall()

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()
        self.procs = []


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterNodes]:
    """The session's private Redis Cluster (started on first use)."""
    nodes = RedisClusterNodes(tmp_path_factory.mktemp("redis-cluster"))
    try:
        yield nodes.start()
    finally:
        nodes.stop()
