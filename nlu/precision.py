"""int8 or fp32: which precision a model runs in on this CPU, chosen by measuring both.

torch._int_mm (nlu.int8) is fast where the CPU has int8 dot-product instructions (AVX-512
VNNI, AVX-VNNI, AMX): 1.3x to 1.6x fp32 on an AMD EPYC with avx512_vnni. Where it has
none it can be far slower: 19x slower than fp32 on an AVX2-only EPYC (issue 18). The flags
alone do not settle it (which kernel torch's build picks, and the shapes, matter too; and
holding oneDNN back with ONEDNN_MAX_CPU_ISA does not reproduce the slow case here), so the
chooser times both precisions on a probe of the shapes the model will see,
in interleaved rounds, and keeps the faster median; fp32 whenever probing fails.
``machine()`` names the CPU so that every benchmark says where it ran.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PRECISIONS = ("auto", "int8", "fp32")
# The /proc/cpuinfo flags that decide int8 speed: VNNI (AVX-512 or AVX) and AMX do int8
# dot products in one instruction; without them int8 products are emulated.
FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
ROUNDS = 5  # timed runs per precision after one warm-up each: the median of 5 shrugs off one
# run disturbed by a neighbour on a shared machine, at a few hundred ms of start-up.
BUDGET_S = 3.0  # stop adding rounds once the probes took this long: on an oversubscribed
# box one probe took 5 s (2026-12-03), and start-up should not wait a minute for a choice.


@dataclass(frozen=True)
class Machine:
    """Where a measurement ran: CPU model, cores, the int8-relevant ISA flags, torch."""

    cpu: str
    cores: int
    features: tuple[str, ...]
    torch: str
    threads: int

    def describe(self) -> str:
        """One line, e.g. 'AMD EPYC, 2 cores, avx2 avx512f avx512_vnni, torch 2.13, 2 threads'."""
        flags = " ".join(self.features) or "no AVX2/AVX-512/VNNI/AMX"
        return (f"{self.cpu}, {self.cores} cores, {flags}, torch {self.torch}, "
                f"{self.threads} threads")


def machine(cpuinfo: Path = Path("/proc/cpuinfo")) -> Machine:
    """This machine, read from /proc/cpuinfo (platform.processor() where there is none)."""
    import torch

    model, flags = platform.processor() or platform.machine(), set[str]()
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    except OSError:  # not Linux: the model name from platform, no flags
        pass
    return Machine(model, os.cpu_count() or 1, tuple(f for f in FEATURES if f in flags),
                   torch.__version__, torch.get_num_threads())


@dataclass(frozen=True)
class Choice:
    """The precision a model runs in, and why: forced by a setting, or the measured times."""

    precision: str  # "int8" or "fp32"
    requested: str  # "auto", "int8" or "fp32"
    int8_s: float | None = None  # median seconds per probe run
    fp32_s: float | None = None
    reason: str = ""

    @property
    def speedup(self) -> float | None:
        """How many times faster int8 ran than fp32 on the probe (None: not measured)."""
        if self.int8_s is None or self.fp32_s is None:
            return None
        return self.fp32_s / self.int8_s

    def describe(self) -> str:
        """For the start-up log line and `storyloom model`."""
        if self.int8_s is None or self.fp32_s is None:
            return f"{self.precision} ({self.reason})"
        return (f"{self.precision} ({self.reason}: int8 {self.fp32_s / self.int8_s:.2f}x "
                f"fp32's speed, {self.int8_s * 1e3:.1f} vs {self.fp32_s * 1e3:.1f} ms per probe)")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"precision": self.precision, "requested": self.requested,
                "int8_ms": None if self.int8_s is None else round(self.int8_s * 1e3, 3),
                "fp32_ms": None if self.fp32_s is None else round(self.fp32_s * 1e3, 3),
                "int8_speedup": None if self.speedup is None else round(self.speedup, 3),
                "reason": self.reason}


def forced(precision: str) -> Choice:
    """The Choice of a precision an operator set ("int8" or "fp32"): nothing is measured."""
    if precision not in PRECISIONS[1:]:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    return Choice(precision, precision, reason="forced by the setting")


def choose(requested: str, probe: Callable[[str], float], rounds: int = ROUNDS,
           budget_s: float = BUDGET_S) -> Choice:
    """int8 or fp32: as requested, or (auto) the one whose probe runs faster.

    probe(precision) runs the model once on its probe batch and returns the seconds it
    took. Both precisions are probed in interleaved rounds, after a warm-up run each, and
    the medians compared (fewer rounds, at least one, once budget_s of probing is spent); a
    tie goes to fp32, the precision the model was trained in. If
    a probe raises or returns nonsense, fp32 (which always works) is chosen and the log
    says why.
    """
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}")
    if requested != "auto":
        return forced(requested)
    times: dict[str, list[float]] = {"fp32": [], "int8": []}
    spent = 0.0
    try:
        for p in times:
            spent += probe(p)  # warm-up: first-call allocations and kernel selection
        for _ in range(rounds):
            for p, seen in times.items():
                seen.append(float(probe(p)))
                spent += seen[-1]
            if spent > budget_s:
                break
    except Exception as exc:  # any failure of the int8 kernel must not stop the model loading
        logger.warning("precision probe failed (%s: %s); running fp32", type(exc).__name__, exc)
        return Choice("fp32", "auto", reason=f"probe failed ({type(exc).__name__}); fp32 is safe")
    fp32_s, int8_s = statistics.median(times["fp32"]), statistics.median(times["int8"])
    if not all(math.isfinite(t) and t > 0 for t in (fp32_s, int8_s)):
        logger.warning("precision probe gave no usable times; running fp32")
        return Choice("fp32", "auto", reason="probe gave no usable times; fp32 is safe")
    best = "int8" if int8_s < fp32_s else "fp32"
    return Choice(best, "auto", int8_s, fp32_s,
                  reason=f"measured, median of {len(times['int8'])}")


def timed(run: Callable[[], object]) -> float:
    """Seconds one call of run takes (a probe for choose())."""
    started = time.perf_counter()
    run()
    return time.perf_counter() - started
