"""What ``bench/mixed`` (``bench.mixed_http``) measured in a phase, and the table it prints with issue 13's targets."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Phase", "pct", "report", "row"]


@dataclass(slots=True)
class Phase:
    store: str
    label: str
    rate: float
    via: str  # "kimnet", "cypher", or "both" (alternately)
    #: Held against the targets (the warm-up is not).
    measured: bool = True
    times: dict[str, list[float]] = field(default_factory=lambda: {"referral": [], "gap report": [], "write": []})
    freshness: list[float] = field(default_factory=list)  # ms
    writes: int = 0
    unseen: int = 0
    #: worker -> generations of its index read from the store, followed, and writes from outside noticed, in the phase
    made: dict[str, dict[str, int]] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)
    #: CPU seconds the benchmark's Neo4j used during the phase (None: its process not found)
    neo4j_cpu: float | None = None
    #: of which its JIT compiler threads (``bench.machine.compiler_seconds``)
    neo4j_jit: float | None = None
    #: CPU seconds kimnet's workers used during the phase (None: a worker not found)
    kimnet_cpu: float | None = None


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _per_request(phase: Phase) -> str:
    answered = sum(len(found) for found in phase.times.values())
    return "?" if phase.kimnet_cpu is None or not answered else f"{1000 * phase.kimnet_cpu / answered:.2f} ms"


def _seconds(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f} s"


def row(phase: Phase) -> str:
    cells = [phase.store, phase.label]
    for name in ("referral", "gap report", "write"):
        found = phase.times[name]
        cells.append(f"{pct(found, 50):.1f} / {pct(found, 99):.1f} (n={len(found)})")
    cells.append(
        f"{pct(phase.freshness, 50):.0f} / {pct(phase.freshness, 99):.0f} ({phase.writes} writes, {phase.unseen} unseen)"
    )
    cells.append(
        "; ".join(f"{m['read']} read, {m['followed']} followed, {m['outside']} outside" for m in phase.made.values()) or "–"
    )
    cells.append(f"{phase.load[0]:.1f}, {phase.load[1]:.1f}")
    return "| " + " | ".join(cells) + " |"


def report(heading: str, phases: list[Phase], rss: dict[str, tuple[float, float]], idle: dict[str, float]) -> str:
    """The printed table: ``heading`` (what ran, on what), a row per phase, the CPU and memory, the targets of issue 13."""
    lines = [
        heading,
        "",
        "| store | writer | referral p50 / p99 ms | gap report p50 / p99 ms | write p50 / p99 ms | freshness p50 / p99 ms "
        "| index per worker | load before, after |",
        "|---|---|---|---|---|---|---|---|",
        *(row(p) for p in phases),
        "",
        "idle share of the cores in the second before each store's phases: "
        + "; ".join(f"{store} {share:.0%}" for store, share in idle.items()),
        "CPU kimnet's workers used per request of the readers and the writer (the probers' too, not counted), in "
        "each phase (the same work takes more CPU time on a machine that runs it slower): "
        + "; ".join(f"{p.store}, {p.label} {_per_request(p)}" for p in phases),
        "CPU the benchmark's Neo4j used in each phase on it, and of that its JIT compiler threads: "
        + "; ".join(
            f"{p.store}, {p.label} {_seconds(p.neo4j_cpu)} (its JIT compiler {_seconds(p.neo4j_jit)})"
            for p in phases
            if p.store == "kimnet-neo4j"
        ),
        "",
        "resident memory at the end (now, peak): "
        + "; ".join(f"{name} {now:.0f} MB, {peak:.0f} MB" for name, (now, peak) in rss.items()),
        "",
        "targets:",
    ]

    def check(ok: bool, text: str) -> None:
        lines.append(f"  {'met   ' if ok else 'MISSED'}  {text}")

    for p in [p for p in phases if p.measured]:
        factor = 2 if p.rate > 1 else 1
        referral, gaps = pct(p.times["referral"], 99), pct(p.times["gap report"], 99)
        check(referral <= 50 * factor, f"{p.store}, {p.label}: referral p99 {referral:.1f} ms (≤ {50 * factor} ms)")
        check(gaps <= 300 * factor, f"{p.store}, {p.label}: gap report p99 {gaps:.1f} ms (≤ {300 * factor} ms)")
        limit = 5000 if p.via == "cypher" else 1000
        fresh = pct(p.freshness, 99)
        check(
            fresh <= limit and not p.unseen,
            f"{p.store}, {p.label}: freshness p99 {fresh:.0f} ms, {p.unseen} unseen (≤ {limit} ms, none unseen)",
        )
    for name, (now, _) in rss.items():
        check(now <= 300, f"{name}: resident memory {now:.0f} MB at the end (≤ 300 MB)")
    return "\n".join(lines)
