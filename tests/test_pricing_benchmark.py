"""The pricing benchmark runs and reports its figures as one JSON object.

Only the shape of the report is checked, never a timing: the targets are printed by the
benchmark itself (benchmarks/pricing.py), not asserted in a timed unit test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "pricing.py"


@pytest.mark.slow
def test_the_pricing_benchmark_reports_every_case_beside_the_floor() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--json", "--repeat", "1", "--number", "2", "--carts", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # exactly one JSON object
    assert report["benchmark"] == "pricing"
    assert "decimal_50_lines_us" in report["floor"]
    cases = {(c["lines"], c["promotions"]): c for c in report["cases"]}
    assert set(cases) == {(10, 50), (50, 50), (10, 1000), (50, 1000)}
    for case in cases.values():
        assert case["coupons"] == 3
        assert case["median_us"] > 0 and case["cpu_median_us"] > 0 and case["floor_int_us"] > 0
        assert case["times_floor"] > 1
        assert case["could_apply_median"] >= case["applied_median"] > 0
    # the index keeps the promotions looked at to those that could apply, not all of them
    assert cases[(10, 1000)]["could_apply_median"] < 100
    assert cases[(10, 50)]["target_us"] == 500 and cases[(10, 1000)]["target_us"] == 1000
