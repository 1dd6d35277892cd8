"""What every benchmark prints: figures with their targets, as rows of one Markdown table
(bench/run merges the tables of every benchmark), and the process's memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure of a benchmark, with its target when the issue sets one."""

    benchmark: str
    measure: str
    value: float
    unit: str  # "s", "ms", "MB", "/s"
    target: float | None = None
    at_least: bool = False  # the target is a floor (throughput), not a ceiling
    cpu: float | None = None  # CPU seconds, steadier than wall time on a busy machine

    @property
    def verdict(self) -> str:
        """'ok', 'MISSED (x2.5)' or '' when there is no target."""
        if self.target is None:
            return ""
        met = self.value >= self.target if self.at_least else self.value <= self.target
        if met:
            return "ok"
        ratio = self.target / self.value if self.at_least else self.value / self.target
        return f"MISSED (x{ratio:.1f})"

    def row(self) -> str:
        """The figure as a row of the benchmarks' Markdown table."""
        target = ""
        if self.target is not None:
            target = f"{'>=' if self.at_least else '<='} {_number(self.target)} {self.unit}"
        value = f"{_number(self.value)} {self.unit}"
        if self.cpu is not None:
            value += f" (cpu {_number(self.cpu)} s)"
        return f"| {self.benchmark} | {self.measure} | {value} | {target} | {self.verdict} |"


TABLE_HEADER = "| benchmark | measure | value | target | verdict |\n|---|---|---|---|---|"


def rss_mb() -> float:
    """The resident set size now, in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}".replace(",", " ")
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def print_figures(figures: Sequence[Figure], *, header: bool = True) -> None:
    """Print figures as a Markdown table (bench/run merges the tables of every benchmark)."""
    if header:
        print(TABLE_HEADER)
    for figure in figures:
        print(figure.row(), flush=True)
