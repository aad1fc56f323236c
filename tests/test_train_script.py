"""scripts/train_mrpc.py: one process, and two CPU processes with distributed data
parallel over gloo (torchrun), which split the data and take the same optimizer steps
as one process with twice the batch."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "train_mrpc.py"
PAIRS, BATCH = 32, 4  # 32 pairs: 2 processes x batch 4 -> 4 steps; 1 process x batch 8 -> 4 steps


def run(command, tmp_path, **env):
    return subprocess.run(
        command,
        cwd=tmp_path,
        env={**os.environ, "COURSE_PROFILE": "offline", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def train(tmp_path, launcher, batch_size, name):
    folder = tmp_path / name
    options = [
        "--train-pairs",
        str(PAIRS),
        "--batch-size",
        str(batch_size),
        "--epochs",
        "1",
        "--output-dir",
        str(folder),
    ]
    done = run([*launcher, str(SCRIPT), *options], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, json.loads((folder / "results.json").read_text()), done.stdout


def script_module():
    """The script as a module, for its command line in this process (no second start of Python and torch)."""
    spec = importlib.util.spec_from_file_location("train_mrpc", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rank_records(folder):
    return [json.loads(path.read_text()) for path in sorted(folder.glob("rank-*-pairs.json"))]


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    return train(tmp_path_factory.mktemp("ddp"), torchrun, BATCH, "two")


@pytest.mark.slow
def test_torchrun_trains_as_two_processes_each_on_its_own_half(two_processes):
    folder, results, stdout = two_processes
    print(json.dumps(results, indent=2))
    assert results["world_size"] == 2
    assert results["total_batch_size"] == 2 * BATCH
    assert "2 process(es)" in stdout and stdout.count("validation accuracy") == 1  # only the first process prints
    records = rank_records(folder)
    assert [record["rank"] for record in records] == [0, 1]
    assert all(record["world_size"] == 2 for record in records)
    halves = [set(record["pairs_seen"]) for record in records]
    assert len(halves[0]) == len(halves[1]) == PAIRS // 2
    assert not halves[0] & halves[1], "the two processes trained on the same pairs"
    assert halves[0] | halves[1] == set(range(PAIRS))
    assert 0 <= results["accuracy"] <= 1 and 0 <= results["f1"] <= 1


@pytest.mark.slow
def test_one_process_with_twice_the_batch_takes_the_same_steps(two_processes, tmp_path):
    _, ddp_results, _ = two_processes
    folder, results, _ = train(tmp_path, [sys.executable], 2 * BATCH, "one")
    assert results["world_size"] == 1
    assert set(rank_records(folder)[0]["pairs_seen"]) == set(range(PAIRS))
    assert results["global_step"] == ddp_results["global_step"] == PAIRS // (2 * BATCH)
    assert results["gpu_speedups"] is torch.cuda.is_available()  # the GPU settings stay off on a CPU


@pytest.mark.parametrize(
    "options, message",
    [
        (["--epochs", "-1"], "argument --epochs: must be above 0, got '-1'"),
        (["--learning-rate", "fast"], "argument --learning-rate: expected a float number, got 'fast'"),
        (["--batch-size", "0"], "argument --batch-size: must be above 0, got '0'"),
        (["--sampling", "sorted"], "argument --sampling: invalid choice: 'sorted'"),
    ],
)
def test_a_bad_option_gets_one_clear_message(options, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        script_module().parse_arguments(options)
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


@pytest.mark.slow
def test_a_bad_profile_names_the_fix_without_a_stack_trace(tmp_path):
    done = run([sys.executable, str(SCRIPT), "--max-steps", "1"], tmp_path, COURSE_PROFILE="fast")
    assert done.returncode == 2
    assert "error: COURSE_PROFILE='fast' is not a profile" in done.stderr and "Fix:" in done.stderr
    assert "Traceback" not in done.stderr


def test_help_names_the_launchers(capsys):
    with pytest.raises(SystemExit) as exit_:
        script_module().parse_arguments(["--help"])
    assert exit_.value.code == 0
    shown = capsys.readouterr().out
    launchers = ("torchrun --nproc_per_node 2", "accelerate launch")
    for text in (*launchers, "--output-dir", "--max-steps", "--no-gpu-speedups"):
        assert text in shown
