"""Run every benchmark and write bench/RESULTS.md:  python -m bench"""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import date
from pathlib import Path

from bench import load, quality, speed


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "unknown CPU",
    )
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0"
    )
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    return (
        f"{date.today().isoformat()} · {os.cpu_count()} cores ({cpu}) · {int(memory) / 1024 / 1024:.0f} GiB · "
        f"Python {platform.python_version()} · commit {commit or 'uncommitted'}"
    )


def main() -> None:
    report = "\n".join(
        [
            "# Benchmark results",
            "",
            f"Measured {machine()}. Re-run with `python -m bench` (needs PostgreSQL for the pg_trgm baseline).",
            "",
            quality.run(),
            speed.run(),
            load.run(),
        ]
    )
    Path(__file__).with_name("RESULTS.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
