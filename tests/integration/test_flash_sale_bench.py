"""benchmarks/flash_sale.py runs and reports its figures; no timing is asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "flash_sale.py"


def test_the_flash_sale_benchmark_sells_every_unit_once_and_reports_json() -> None:
    url = os.environ.get("ECOMMERCE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("ECOMMERCE_TEST_POSTGRES_URL is not set: the postgres leg did not run")
    bench_url = url.rsplit("/", 1)[0] + "/ecommerce_flash_test"
    run = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--json",
            "--rounds",
            "1",
            "--units",
            "40",
            "--buyers",
            "4",
            "--pg-url",
            bench_url,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert figures["ours"]["oversold_max"] == 0
    assert figures["ours"]["sold"] == [40]
    assert figures["floor"]["orders_per_second"] > 0
    assert figures["ours_over_floor"] > 0
