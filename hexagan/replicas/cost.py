"""What a fit will cost, estimated from the shape of its data before it starts.

HexaGAN's networks grow with the square of the columns (appendix B.3: layers
of d and d/2 units): on 20 rows x 5 000 columns the imputer's E, G_MI and
D_MI hold 175 M parameters (3.7 GB while training) and an iteration took
20 s, for up to 20 000 iterations.  MICE fits one forest per column, round
and copy, each on every other column.  Such a fit would run for hours or days
without a word, or die for memory.  A :class:`FitCost` is the estimate, made
from the shape before training: :meth:`FitCost.check` refuses a fit whose
memory exceeds the machine's (:class:`FitTooLargeError`), warns of one
longer than :data:`SLOW_SECONDS` (:class:`SlowFitWarning`), each naming the
parameter to change, and prints the estimate when asked (``verbose``).

The constants are measured on this project's 2-core machine, one torch
thread, beside other jobs; ``bench/fit_cost.py`` prints the estimates next to
measured fits: from 500 columns up within 15 % of the measured seconds an
iteration (imputer at d = 2 000: 3.2 s estimated, 2.9 s measured; classifier at
d = 1 000: 3.7 and 3.6 s) and within 0.6x-1.0x of the measured memory; below,
fixed costs dominate (the classifier at d = 100: 0.05 s estimated, 0.13 s
measured).  Rough, meant to tell minutes from days.
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from typing import Callable

import torch

__all__ = ["FitCost", "FitTooLargeError", "SLOW_SECONDS", "SlowFitWarning", "count_parameters", "network_cost"]

#: A fit estimated to run longer than this (seconds) is warned of.
SLOW_SECONDS = 3600.0
#: Fixed cost of one training iteration on the CPU (Python, kernel launches): what a tiny network takes.
ITERATION_OVERHEAD_S = 0.015
#: Floating-point operations a second of one CPU thread on the networks' matrix products (measured), and
#: of a GPU (assumed 50x, not measured: this project's machine has none).
CPU_FLOPS = 2e10
GPU_FLOPS = 1e12
#: Bytes a training run holds per network parameter: float32 weights, gradients, the optimiser's state,
#: the best checkpoint and the penalties' temporaries (5.4x the weights measured on the imputer, rounded up).
BYTES_PER_PARAMETER = 4 * 6


class FitTooLargeError(ValueError):
    """A fit would need more memory than the machine has."""


class SlowFitWarning(UserWarning):
    """A fit is estimated to run for longer than :data:`SLOW_SECONDS`."""


def duration(seconds: float) -> str:
    """``seconds`` in the largest unit that keeps it readable: 40 s, 12 min, 3.5 h, 4.6 days."""
    for unit, size in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if seconds >= 2 * size:
            return f"{seconds / size:.1f} {unit}" if seconds < 20 * size else f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"


def _gigabytes(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.1f} GB" if n_bytes >= 1e8 else f"{n_bytes / 1e6:.2g} MB"


def _count(n: int) -> str:
    return f"{n:,}" if n < 1e6 else f"{n / 1e6:,.0f} M"


@dataclass(frozen=True)
class FitCost:
    """The estimated cost of one fit (all its replicas).

    who : what is fitted, on what shape ("HexaGANImputer on 20 rows x 5000 columns").
    detail : how the estimate is made up ("175 M parameters, ~20 s an iteration x up to 20000 iterations").
    seconds : the whole fit (an upper bound where early stopping may end it sooner).
    memory_bytes : what training holds, or None when not estimated.
    memory_limit : the device's memory, or None when unknown.
    time_advice, memory_advice : which parameters make it shorter or smaller.
    """

    who: str
    detail: str
    seconds: float
    memory_bytes: float | None = None
    memory_limit: float | None = None
    time_advice: str = ""
    memory_advice: str = ""

    def describe(self) -> str:
        memory = "" if self.memory_bytes is None else f", about {_gigabytes(self.memory_bytes)} of memory"
        return f"{self.who}: {self.detail}; about {duration(self.seconds)}{memory} (estimated from the shape)"

    def check(self, verbose: bool = False) -> None:
        """Print the estimate (``verbose``); refuse a fit beyond the memory; warn of a slow one."""
        if verbose:
            print(self.describe(), flush=True)
        if self.memory_bytes is not None and self.memory_limit is not None and self.memory_bytes > self.memory_limit:
            raise FitTooLargeError(f"{self.describe()}, more than the {_gigabytes(self.memory_limit)} of this device: "
                                   f"{self.memory_advice}")
        if self.seconds > SLOW_SECONDS:
            warnings.warn(f"{self.describe()}: {self.time_advice}", SlowFitWarning, stacklevel=4)


def count_parameters(build: Callable[[], torch.nn.Module]) -> int:
    """Parameters of the module ``build()`` makes, built on the meta device (no memory, no random draws kept)."""
    with torch.device("meta"):
        return sum(p.numel() for p in build().parameters())


def memory_limit(device: torch.device) -> float | None:
    """Bytes of memory of ``device`` (the machine's RAM for the CPU); None when unknown."""
    if device.type == "cuda":
        return float(torch.cuda.get_device_properties(device).total_memory)
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def network_cost(who: str, parameters: int, rows_per_iteration: float, iterations: int, device: torch.device, *,
                 data_values: int = 0, time_advice: str, memory_advice: str) -> FitCost:
    """The cost of training networks of ``parameters`` parameters on ``rows_per_iteration`` rows an iteration.

    An iteration costs :data:`ITERATION_OVERHEAD_S` plus ~6 operations per parameter and row (a forward
    and a backward pass) at :data:`CPU_FLOPS` (``GPU_FLOPS`` on CUDA); ``rows_per_iteration`` counts
    every pass, e.g. (n_critic + 1) batches for HexaGAN's imputer.  The memory adds the training data
    (``data_values`` entries, as float32 values and mask).
    """
    flops = GPU_FLOPS if device.type == "cuda" else CPU_FLOPS
    per_iteration = ITERATION_OVERHEAD_S + 6.0 * parameters * rows_per_iteration / flops
    detail = (f"{_count(parameters)} network parameters, ~{duration(per_iteration)} an iteration "
              f"x up to {iterations:,} iterations")
    return FitCost(who=who, detail=detail, seconds=per_iteration * iterations,
                   memory_bytes=float(parameters * BYTES_PER_PARAMETER + 8 * data_values),
                   memory_limit=memory_limit(device),
                   time_advice=time_advice, memory_advice=memory_advice)
