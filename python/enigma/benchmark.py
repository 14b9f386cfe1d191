"""Micro-benchmarks for kernels and Python callables (reference §39).

A lightweight timing harness: :func:`bench` times a Python callable with
``time.perf_counter``; :func:`bench_gpu` times the dispatches of a prepared kernel
(``enigma.MetalRuntime().prepare(...)``, reference §5), end-to-end wall-clock per dispatch.
Both discard ``warmup`` runs, time ``repeat`` runs and return a :class:`BenchResult`, which
:func:`format_bench_result` prints as one line::

    from enigma import benchmark

    r = benchmark.bench(workload, repeat=10, warmup=2, label="my-op")
    print(benchmark.format_bench_result(r))
    # my-op: median=12.3us min=10.1us max=18.4us n=10
"""

from __future__ import annotations

import math
import numbers
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BenchResult", "bench", "bench_gpu", "format_bench_result"]


@dataclass
class BenchResult:
    """Timing samples of one benchmark.

    - ``label``: the label passed to :func:`bench` / :func:`bench_gpu` (or ``""``);
    - ``samples_us``: the wall-clock time of each timed iteration, in microseconds, in the
      order they ran;
    - ``warmup``: how many warmup iterations were run and discarded.

    Statistics (properties): ``n``, ``median_us``, ``min_us``, ``max_us`` and, Enigma
    additions, ``mean_us`` and ``stdev_us``. With no samples they are NaN (``n`` is 0).
    """

    label: str = ""
    samples_us: list[float] = field(default_factory=list)
    warmup: int = 0

    @property
    def n(self) -> int:
        """Number of timed iterations: ``len(samples_us)``."""
        return len(self.samples_us)

    @property
    def median_us(self) -> float:
        """Median of ``samples_us`` (mean of the two middle samples when ``n`` is even)."""
        return float(statistics.median(self.samples_us)) if self.samples_us else math.nan

    @property
    def min_us(self) -> float:
        """Fastest iteration, in microseconds."""
        return float(min(self.samples_us)) if self.samples_us else math.nan

    @property
    def max_us(self) -> float:
        """Slowest iteration, in microseconds."""
        return float(max(self.samples_us)) if self.samples_us else math.nan

    @property
    def mean_us(self) -> float:
        """Arithmetic mean of ``samples_us`` (Enigma addition)."""
        return float(statistics.fmean(self.samples_us)) if self.samples_us else math.nan

    @property
    def stdev_us(self) -> float:
        """Sample standard deviation of ``samples_us`` (Enigma addition); 0.0 for a single
        sample, NaN for none."""
        if not self.samples_us:
            return math.nan
        if len(self.samples_us) < 2:
            return 0.0
        return float(statistics.stdev(self.samples_us))


def _check_counts(where: str, repeat: Any, warmup: Any) -> None:
    """Validates ``repeat`` (an int >= 1) and ``warmup`` (an int >= 0)."""
    for name, value, minimum in (("repeat", repeat, 1), ("warmup", warmup, 0)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__}")
        if value < minimum:
            raise ValueError(f"{where}: {name} must be >= {minimum}, got {value}")


def _check_label(where: str, label: Any) -> str:
    if label is None:
        return ""
    if not isinstance(label, str):
        raise TypeError(f"{where}: label must be a str or None, got {type(label).__name__}")
    return label


def bench(
    fn: Callable[..., Any],
    *args: Any,
    repeat: int = 50,
    warmup: int = 5,
    label: str | None = None,
    **kwargs: Any,
) -> BenchResult:
    """Times ``fn(*args, **kwargs)``: ``warmup`` discarded calls, then ``repeat`` timed calls.

    Each timed call is measured with ``time.perf_counter`` and recorded in microseconds.
    ``label`` (None means ``""``) names the result. The keyword names ``repeat``, ``warmup``
    and ``label`` are this function's and are not passed on to ``fn``; the return value of
    ``fn`` is discarded, and an exception it raises propagates.

    Raises TypeError if ``fn`` is not callable or an argument has the wrong type, ValueError
    if ``repeat < 1`` or ``warmup < 0``.
    """
    if not callable(fn):
        raise TypeError(f"bench: fn must be callable, got {type(fn).__name__}")
    _check_counts("bench", repeat, warmup)
    label = _check_label("bench", label)
    for _ in range(warmup):
        fn(*args, **kwargs)
    samples: list[float] = []
    clock = time.perf_counter
    for _ in range(repeat):
        t0 = clock()
        fn(*args, **kwargs)
        t1 = clock()
        samples.append((t1 - t0) * 1e6)
    return BenchResult(label=label, samples_us=samples, warmup=int(warmup))


def bench_gpu(
    prepared: Any,
    grid: Any,
    threads: Any,
    *,
    repeat: int = 50,
    warmup: int = 5,
    label: str | None = None,
) -> BenchResult:
    """Times the dispatches of a prepared kernel: ``prepared.dispatch(grid, threads)`` is
    called ``warmup + repeat`` times and the last ``repeat`` are timed.

    ``prepared`` is a ``PreparedKernel`` (``enigma.MetalRuntime().prepare(compiled, inputs,
    output_size)``, reference §5) or any object with a blocking ``dispatch(grid, threads)``
    method. Each sample is the end-to-end wall-clock of one dispatch (``time.perf_counter``,
    microseconds): encoding, running and waiting for the kernel, on the Metal device or on
    Enigma's CPU runtime. For the device-side time alone, use ``prepared.dispatch_timed``.
    The output buffer holds the result of the last dispatch afterwards.

    Raises TypeError if ``prepared`` has no ``dispatch`` method, ValueError if ``repeat < 1``
    or ``warmup < 0``; errors of a dispatch propagate.
    """
    dispatch = getattr(prepared, "dispatch", None)
    if not callable(dispatch):
        raise TypeError(
            "bench_gpu: prepared must be a PreparedKernel (from MetalRuntime.prepare) or an "
            f"object with a dispatch(grid, threads) method, got {type(prepared).__name__}"
        )
    _check_counts("bench_gpu", repeat, warmup)
    label = _check_label("bench_gpu", label)
    for _ in range(warmup):
        dispatch(grid, threads)
    samples: list[float] = []
    clock = time.perf_counter
    for _ in range(repeat):
        t0 = clock()
        dispatch(grid, threads)
        t1 = clock()
        samples.append((t1 - t0) * 1e6)
    return BenchResult(label=label, samples_us=samples, warmup=int(warmup))


def format_bench_result(r: BenchResult, *, throughput_gbps: float | None = None) -> str:
    """One line describing ``r``: ``my-op: median=12.3us min=10.1us max=18.4us n=10``.

    Times are in microseconds with one decimal. An empty label drops the ``label: `` prefix.
    ``throughput_gbps`` (a number, e.g. bytes moved / ``r.median_us`` / 1e3) appends it with
    two decimals: ``... n=10 42.00 GB/s``.
    """
    if not isinstance(r, BenchResult):
        raise TypeError(f"format_bench_result: r must be a BenchResult, got {type(r).__name__}")
    line = f"median={r.median_us:.1f}us min={r.min_us:.1f}us max={r.max_us:.1f}us n={r.n}"
    if r.label:
        line = f"{r.label}: {line}"
    if throughput_gbps is not None:
        if isinstance(throughput_gbps, bool) or not isinstance(throughput_gbps, numbers.Real):
            raise TypeError(
                "format_bench_result: throughput_gbps must be a number or None, got "
                f"{type(throughput_gbps).__name__}"
            )
        line += f" {float(throughput_gbps):.2f} GB/s"
    return line
