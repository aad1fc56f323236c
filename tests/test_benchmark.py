"""The benchmark runs in CI-sized settings and reports every figure it promises.

Figures are printed, not judged: only their presence and plain facts (counts, ranges)
are checked here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quick_benchmark_reports_all_figures(tmp_path):
    out = tmp_path / "figures.json"
    env = dict(os.environ, COURSE_PROFILE="offline")
    run = subprocess.run(
        [sys.executable, "benchmarks/benchmark.py", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    figures = json.loads(out.read_text())
    print(run.stdout)

    assert figures["profile"] == "offline"
    assert figures["train pairs"] == 128 and figures["epochs"] == 1
    for key in ("train samples/s", "eval samples/s", "seconds per epoch", "dynamic padding train samples/s"):
        assert figures[key] > 0, key
    assert 0 <= figures["validation accuracy"] <= 1 and 0 <= figures["validation F1"] <= 1
    assert any(key.startswith("peak memory MiB") and value > 0 for key, value in figures.items())
    dynamic, padded = (int(n) for n in figures["tokens in first batch, dynamic vs max"].split(" vs "))
    assert dynamic < padded
    for key in figures:  # every figure is also printed
        assert key in run.stdout
