"""The place-order benchmark runs and reports its figures as one JSON object.

Only the shape of the report is checked, never a timing: performance targets live in
benchmarks/, not in timed unit tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "place_order.py"


@pytest.mark.slow
def test_the_place_order_benchmark_reports_figures_and_statements(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--json",
            "--backends",
            "sqlite",
            "--procs",
            "1",
            "--rounds",
            "1",
            "--seconds",
            "0.2",
            "--batch",
            "3",
            "--skus",
            "10",
            "--dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # exactly one JSON object, progress goes to stderr

    assert {"benchmark", "date", "command", "config", "machine", "results"} <= set(report)
    figures = report["results"]["sqlite"]["procs"]["1"]
    for side in ("ours", "floor"):
        assert {"orders_per_s", "p50_ms", "p99_ms", "client_cpu_us_per_order"} <= set(figures[side])
        assert figures[side]["orders_per_s"] > 0
    assert figures["ratio"] > 0
    assert len(figures["rounds"]) == 1

    statements = report["statements_per_call"]["sqlite"]
    place = statements["place_order"]
    assert place["total"] > 0
    assert place["calls"] > 0
    assert sum(place["by_kind"].values()) == pytest.approx(place["total"], abs=0.1)
    assert {"SELECT", "INSERT", "UPDATE"} <= set(place["by_kind"])
    assert statements["cart_add"]["total"] > 0
