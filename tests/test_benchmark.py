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

import pytest

pytestmark = pytest.mark.slow  # the quick benchmark trains

ROOT = Path(__file__).resolve().parent.parent


# The settings that cut the per-step overhead on a GPU, all at once (--torch-compile is left
# out: compiling takes over a minute on a CPU). --tf32 is a GPU setting, ignored on a CPU.
SPEED_SETTINGS = [
    "--dataloader-workers",
    "1",
    "--no-nan-filter",
    "--tf32",
    "--eval-batch-size",
    "256",
    "--pad-to-multiple-of",
    "8",
    "--logging-steps",
    "4",
]


def test_quick_benchmark_reports_all_figures(tmp_path):
    out = tmp_path / "figures.json"
    env = dict(os.environ, COURSE_PROFILE="offline")
    run = subprocess.run(
        [sys.executable, "benchmarks/benchmark.py", "--quick", *SPEED_SETTINGS, "--json", str(out)],
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
    settings = figures["settings"]
    for setting in ("dataloader_num_workers=1", "logging_nan_inf_filter=False", "tf32=None", "pad_to_multiple_of=8"):
        assert setting in settings, setting
    assert "eval batch 256" in settings and "logging_steps=4" in settings
    assert "{'loss':" in run.stdout, "--logging-steps logs the loss"
    # Floating-point work: 6 x parameters x tokens, per second, against the measured peak.
    assert figures["training TFLOP (Trainer total_flos)"] > 0
    peak_key = next(key for key in figures if key.startswith("peak TFLOP/s (float32 2048x2048"))
    share = float(figures["share of peak"].rstrip("%")) / 100
    assert 0 < share < 1
    # Both figures are printed to 3 significant digits, so they agree to about 1%.
    assert share == pytest.approx(figures["training TFLOP/s"] / figures[peak_key], rel=0.02)
    for key in figures:  # every figure is also printed
        assert key in run.stdout
