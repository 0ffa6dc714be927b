"""What every benchmark shares: figures with their targets, medians, paths, the machine."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "bench"  # git-ignored: generated Hubs and crawl databases


@dataclass
class Figure:
    """One measured figure against its target; `ok` is None when there is no target."""

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    runs: int = 1
    samples: list[float] = field(default_factory=list)
    note: str = ""
    miss_by: str = ""

    def result(self) -> str:
        if self.ok is None:
            return "-"
        return "pass" if self.ok else f"MISS ({self.miss_by})" if self.miss_by else "MISS"


@dataclass
class Section:
    """One item of the issue: its figures, how they were measured, and what to note."""

    title: str
    command: str
    setup: str
    figures: list[Figure] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # Markdown lines, after the figures


# Runs the CLI and, at exit, writes the process's VmHWM (KiB) to the file named by $PEAK_RSS_FILE.
_PEAK_RSS_HARNESS = """
import atexit, os, sys
def report():
    with open('/proc/self/status') as status:
        kib = next(line.split()[1] for line in status if line.startswith('VmHWM:'))
    with open(os.environ['PEAK_RSS_FILE'], 'w') as out:
        out.write(kib)
atexit.register(report)
sys.argv = ['hf-lineage', *sys.argv[1:]]
from hf_lineage.cli import main
main()
"""


@dataclass(frozen=True)
class CommandRun:
    peak_rss_mb: float
    seconds: float
    returncode: int
    stderr: str


def run_measured(args: list[str]) -> CommandRun:
    """`hf-lineage ARGS` in a fresh process (stdout discarded): its own peak RSS and time.

    Not wait4's ru_maxrss: Linux starts a child's maximum at the RSS its parent had when it
    spawned it, so a large parent (pytest, this benchmark) would hide the child's figure. The
    VmHWM of the child's own memory map, read as it exits, is the child's alone (Linux only).
    """
    with tempfile.NamedTemporaryFile(prefix="peak-rss-") as peak:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", _PEAK_RSS_HARNESS, *args], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PEAK_RSS_FILE": peak.name}, check=False)
        seconds = time.perf_counter() - started
        kib = Path(peak.name).read_text(encoding="utf-8")
    return CommandRun(int(kib) / 1024 if kib else float("nan"), seconds, proc.returncode,
                      proc.stderr)


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def at_least(name: str, samples: list[float], unit: str, target: float, **kw: object) -> Figure:
    """A figure whose median should reach `target` (e.g. models per second)."""
    value = median(samples)
    ok = value >= target
    miss = "" if ok else f"{(1 - value / target) * 100:.0f}% below the target"
    return Figure(name, value, unit, f">= {target:,g} {unit}", ok, len(samples), samples,
                  miss_by=miss, **kw)  # type: ignore[arg-type]


def at_most(name: str, samples: list[float], unit: str, target: float, **kw: object) -> Figure:
    """A figure whose median should stay at or under `target` (e.g. seconds, ratios)."""
    value = median(samples)
    ok = value <= target
    miss = "" if ok else f"{(value / target - 1) * 100:.0f}% over the target"
    return Figure(name, value, unit, f"<= {target:,g} {unit}", ok, len(samples), samples,
                  miss_by=miss, **kw)  # type: ignore[arg-type]


def info(name: str, samples: list[float], unit: str, **kw: object) -> Figure:
    return Figure(name, median(samples), unit, runs=len(samples), samples=samples,
                  **kw)  # type: ignore[arg-type]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def machine() -> dict[str, str]:
    import duckdb
    import huggingface_hub
    import networkx

    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True, check=False).stdout.strip()
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "RAM": f"{_ram_gb():.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": sys.version.split()[0],
        "DuckDB": duckdb.__version__,
        "huggingface_hub": huggingface_hub.__version__,
        "networkx": networkx.__version__,
        "commit": git or "unknown",
    }
