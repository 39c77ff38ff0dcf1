"""What the machine and a process did, read from /proc: memory, CPU time, how idle the cores were.

Shared by the benchmarks (``bench.mixed_http``, ``bench.memory``, ``bench.questions``,
``bench.loadtest``): each printed figure of memory or CPU is read one way.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["compiler_seconds", "cpu_seconds", "memory_mb", "quiet"]


def memory_mb(pid: int | str = "self") -> tuple[float, float]:
    """Resident memory of a process now and at its peak so far (VmRSS, VmHWM), in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int | None) -> float | None:
    """User and system CPU seconds a process has used so far (``/proc/<pid>/stat``); None if it is not there."""
    try:
        return _ticks(Path(f"/proc/{pid}/stat")) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return None


def _ticks(stat: Path) -> int:
    """User and system CPU ticks in a ``/proc`` stat file (of a process or of one of its threads)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime and stime, fields 14 and 15


def compiler_seconds(pid: int | None) -> float | None:
    """CPU seconds a JVM's just-in-time compiler threads (``C1 CompilerThread0``, ``C2 CompilerThread1``...) have used.

    For some minutes after its start, Neo4j's JVM compiles the code each new kind of work
    runs hot (reads, kimnet's writes, a trigger's): on this machine its C2 threads took
    2.5 to 4.2 s of every 30 s in the first phases of ``bench/mixed``, and 1 s in a
    fourth. None if the process is not there.
    """
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    ticks = 0
    for task in tasks:
        try:
            if (task / "comm").read_text().startswith(("C1 CompilerThre", "C2 CompilerThre")):
                ticks += _ticks(task / "stat")
        except OSError:
            continue  # the thread ended meanwhile
    return ticks / os.sysconf("SC_CLK_TCK")


def quiet(idle: float, most: float = 60.0) -> float:
    """Wait until the cores were at least ``idle`` idle over one second, at most ``most`` seconds; the idle share seen last."""

    def ticks() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return values[3] + values[4], sum(values)  # idle and iowait, all

    share, until = 0.0, time.monotonic() + most
    while time.monotonic() < until:
        idle_before, all_before = ticks()
        time.sleep(1.0)
        idle_after, all_after = ticks()
        share = (idle_after - idle_before) / max(1, all_after - all_before)
        if share >= idle:
            break
    return share
