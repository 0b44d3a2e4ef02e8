"""Run every benchmark and print its figures: `make bench` (or `python -m benchmarks`)."""

from __future__ import annotations

import argparse
import platform

from benchmarks.demo import bench_demo
from benchmarks.scoring import bench_core, bench_service


def _line(name: str, figures: dict[str, float]) -> None:
    shown = ", ".join(
        f"{k}={v:,.2f}" if isinstance(v, float) else f"{k}={v:,}" for k, v in figures.items()
    )
    print(f"{name:<34} {shown}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--issues", type=int, default=100_000, help="scoring benchmark size")
    args = parser.parse_args()
    print(f"impactbot benchmarks — Python {platform.python_version()} on {platform.machine()}")
    _line("demo (end to end)", bench_demo())
    _line(f"score core ({args.issues:,} issues)", bench_core(args.issues))
    _line(f"score service ({args.issues:,} issues)", bench_service(args.issues))


if __name__ == "__main__":
    main()
