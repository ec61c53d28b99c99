"""The processes a suite starts: its receiver, ``recruitiq worker`` processes it may kill
with SIGKILL and start again, and the resident memory of each over time (/proc)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

BENCH = Path(__file__).resolve().parent.parent
RECRUITIQ = str(Path(sys.executable).parent / "recruitiq")
# RSS that grows past the warm-up figure by more than both of these is flagged.
GROWTH_FRACTION = 0.20
GROWTH_MB = 20.0
READY_LINE = "worker started"  # recruitiq.worker logs it once its jobs run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str, timeout: float = 120) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())


class Receiver:
    """bench/suites/receiver.py in a process of its own."""

    def __init__(self, mode: str, *extra: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("receiver.py")), "--port",
             str(self.port), "--mode", mode, *extra])
        deadline = time.monotonic() + 30
        while True:
            try:
                get_json(self.base + "/health", timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the receiver did not start") from None
                time.sleep(0.1)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        return f"{self.base}/hook/{name}"

    def get(self, path: str) -> Any:
        return get_json(self.base + path)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def worker_env(database_url: str, **settings: Any) -> dict[str, str]:
    return os.environ | {"RECRUITIQ_DATABASE_URL": database_url} | {
        f"RECRUITIQ_{name.upper()}": str(value) for name, value in settings.items()}


@dataclass
class Kill:
    at: float  # time.time(), the receiver's clock
    slot: int
    pid: int
    ports: frozenset[int] | None  # its connections to the receiver (local ports)


def connections_to(pid: int, port: int) -> frozenset[int] | None:
    """Local ports of ``pid``'s TCP connections to 127.0.0.1:``port`` (Linux /proc), or
    None if they cannot be read."""
    inodes = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        table = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    for fd in descriptors:
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile (the listing's own descriptor, for one)
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    remote = f"0100007F:{port:04X}"
    return frozenset(int(fields[1].split(":")[1], 16) for fields in map(str.split, table)
                     if fields[2] == remote and fields[9] in inodes)


@dataclass
class Workers:
    """``count`` slots, each running one ``recruitiq worker``; a slot can be killed with
    SIGKILL and started again. Each process's log goes to ``logs``."""

    count: int
    env: dict[str, str]
    logs: Path
    receiver_port: int = 0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    kills: list[Kill] = field(default_factory=list)
    started: int = 0
    _files: list[TextIO] = field(default_factory=list)
    _logs: list[Path] = field(default_factory=list)
    # Every connection to the receiver seen open, by process: a request whose attempt timed
    # out has closed its connection by the time its sender is killed before recording it.
    _seen_ports: dict[int, set[int]] = field(default_factory=dict)

    def start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes = [self._spawn(slot) for slot in range(self.count)]

    def _spawn(self, slot: int) -> subprocess.Popen[bytes]:
        self.started += 1
        path = self.logs / f"worker-{slot}-{self.started}.log"
        if slot < len(self._logs):
            self._logs[slot] = path
        else:
            self._logs.append(path)
        log = path.open("w")
        self._files.append(log)
        return subprocess.Popen([RECRUITIQ, "worker"], env=self.env, stdout=log, stderr=log)

    def kill(self, slot: int) -> None:
        process = self.processes[slot]
        # Frozen first, so the connections read are all it could have sent on.
        at = time.time()
        process.send_signal(signal.SIGSTOP)
        ports = connections_to(process.pid, self.receiver_port)
        process.send_signal(signal.SIGKILL)
        seen = self._seen_ports.pop(process.pid, set())
        self.kills.append(Kill(at, slot, process.pid,
                               None if ports is None else ports | seen))
        process.wait(timeout=30)

    def watch_connections(self) -> None:
        """Note each live worker's connections to the receiver (called every few 100 ms)."""
        for process in self.processes:
            if process.poll() is None:
                ports = connections_to(process.pid, self.receiver_port)
                if ports:
                    self._seen_ports.setdefault(process.pid, set()).update(ports)

    def ready(self, slot: int) -> bool:
        """The slot's current process has started its background jobs (its log says so)."""
        try:
            return READY_LINE in self._logs[slot].read_text(errors="replace")
        except OSError:
            return False

    def restart(self, slot: int) -> None:
        self.processes[slot] = self._spawn(slot)

    def pids(self) -> dict[str, int]:
        return {f"worker {slot}": p.pid for slot, p in enumerate(self.processes)
                if p.poll() is None}

    def stop(self) -> list[int | None]:
        """SIGTERM every worker; their exit codes (0 = finished in-flight work and left).
        Stopping again returns the same codes."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes: list[int | None] = []
        for process in self.processes:
            try:
                codes.append(process.wait(timeout=60))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(None)
        for log in self._files:
            log.close()
        return codes

    def log_lines(self, needle: str) -> list[str]:
        found = []
        for path in sorted(self.logs.glob("worker-*.log")):
            found += [line for line in path.read_text(errors="replace").splitlines()
                      if needle in line]
        return found


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class MemorySeries:
    """Resident memory of named processes, sampled over a run."""

    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def sample(self, at: float, processes: dict[str, int]) -> None:
        taken = {name: mb for name, pid in processes.items() if (mb := rss_mb(pid)) is not None}
        self.samples.append((at, taken))

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, taken in self.samples:
            seen.update(dict.fromkeys(taken))
        return list(seen)

    def growth(self) -> dict[str, dict[str, Any]]:
        """Per process: RSS after the first quarter of the run (warm), at the end, the
        maximum, and whether it grew past GROWTH_FRACTION and GROWTH_MB."""
        report: dict[str, dict[str, Any]] = {}
        for name in self.names():
            series = [taken[name] for _, taken in self.samples if name in taken]
            if not series:
                continue
            warm = series[len(series) // 4]
            # The last quarter's median, so a single sample taken mid-burst does not decide.
            tail = sorted(series[-max(1, len(series) // 4):])
            end = tail[len(tail) // 2]
            grew = end - warm > max(GROWTH_MB, GROWTH_FRACTION * warm)
            report[name] = {"warm_mb": round(warm, 1), "end_mb": round(end, 1),
                            "max_mb": round(max(series), 1), "samples": len(series),
                            "growth": grew}
        return report


def wait_until(condition: Callable[[], bool], timeout: float, what: str,
               pause: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {timeout:g} s")
        time.sleep(pause)
