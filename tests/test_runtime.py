"""Device, mixed precision and the choice of a checkpoint to resume from."""

from __future__ import annotations

import json

import pytest
import torch

from helpers import describe_device, in_kaggle, latest_unfinished_checkpoint, mixed_precision
from helpers.display import batch_line
from helpers.runtime import (
    KAGGLE_GPU_HINT,
    describe_gpus,
    describe_precision,
    keep_to_one_gpu,
    machine_gpu_count,
    unsupported_gpu,
)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU case")
def test_cpu_uses_full_precision_and_says_cpu():
    assert mixed_precision() == {"bf16": False, "fp16": False}
    assert describe_device().startswith("cpu (")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_uses_exactly_one_half_precision():
    flags = mixed_precision()
    assert flags["bf16"] != flags["fp16"]
    assert flags["bf16"] == (torch.cuda.get_device_capability(0) >= (8, 0))


# Compute capabilities as NVIDIA lists them (developer.nvidia.com/cuda-gpus) and torch reports them
# (torch.cuda.get_device_capability); the names as torch.cuda.get_device_name gives them on Colab/Kaggle.
SIMULATED_GPUS = [
    ("Tesla P100-PCIE-16GB", (6, 0), "fp16"),
    ("Tesla V100-SXM2-16GB", (7, 0), "fp16"),
    ("Tesla T4", (7, 5), "fp16"),
    ("NVIDIA A100-SXM4-40GB", (8, 0), "bf16"),
    ("NVIDIA L4", (8, 9), "bf16"),
    ("NVIDIA H100 80GB HBM3", (9, 0), "bf16"),
]


def simulate_gpu(monkeypatch, name, capability, count=1):
    """Make torch.cuda answer as on a machine with `count` GPUs of this name and capability."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: name)
    # What torch 2.13 answers on a T4 by default (including_emulation=True): it only makes a bf16 tensor.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)


@pytest.mark.parametrize(("name", "capability", "expected"), SIMULATED_GPUS)
def test_half_precision_is_bf16_only_where_the_gpu_has_it_in_hardware(monkeypatch, name, capability, expected):
    simulate_gpu(monkeypatch, name, capability)
    flags = mixed_precision()
    assert flags == {"bf16": expected == "bf16", "fp16": expected == "fp16"}, name
    line = describe_precision()
    assert line.startswith(expected) and name in line and f"{capability[0]}.{capability[1]}" in line


def test_the_banner_says_what_precision_was_chosen_and_why(monkeypatch):
    simulate_gpu(monkeypatch, "Tesla T4", (7, 5))
    assert describe_precision() == ("fp16 (Tesla T4, compute capability 7.5: no bfloat16 in hardware, which needs 8.0)")
    monkeypatch.undo()
    if not torch.cuda.is_available():
        assert describe_precision() == "float32 (on the CPU: no mixed precision)"


def test_several_gpus_without_a_launcher_leave_one_visible():
    env = {}
    assert keep_to_one_gpu(env, gpus=2) is True
    assert env == {"CUDA_VISIBLE_DEVICES": "0"}


@pytest.mark.parametrize(
    "env",
    [{"CUDA_VISIBLE_DEVICES": "1"}, {"LOCAL_RANK": "0", "WORLD_SIZE": "2"}, {"WORLD_SIZE": "2"}],
    ids=["chosen already", "torchrun or accelerate launch", "a launcher's world size"],
)
def test_a_chosen_gpu_or_a_launcher_is_left_alone(env):
    before = dict(env)
    assert keep_to_one_gpu(env, gpus=2) is False
    assert env == before


def test_one_gpu_or_none_is_left_alone():
    for gpus in (0, 1):
        env = {}
        assert keep_to_one_gpu(env, gpus=gpus) is False and env == {}


def test_gpus_are_counted_by_nvidia_smi_without_starting_cuda(tmp_path, monkeypatch):
    # `nvidia-smi --list-gpus` prints one line per GPU, "GPU <index>: <name> (UUID: GPU-...)"
    # (NVIDIA's nvidia-smi documentation, -L/--list-gpus), as on Kaggle's "GPU T4 x2".
    fake = tmp_path / "nvidia-smi"
    fake.write_text(
        "#!/bin/sh\n"
        "echo 'GPU 0: Tesla T4 (UUID: GPU-0b5c1e2a-6d2f-4b8e-9c11-2a3f4d5e6f70)'\n"
        "echo 'GPU 1: Tesla T4 (UUID: GPU-7e8f9a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b)'\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path), prepend=":")
    assert machine_gpu_count() == 2
    monkeypatch.setenv("PATH", str(tmp_path / "none"))
    assert machine_gpu_count() == 0


def test_the_banner_says_one_of_two_gpus_and_the_batch_per_step(monkeypatch):
    assert describe_gpus(1, 2).startswith("; 1 of 2 GPUs") and "accelerate launch" in describe_gpus(1, 2)
    assert describe_gpus(1, None) == "" and describe_gpus(0, None) == ""
    two = describe_gpus(2, None)
    assert "nn.DataParallel" in two and "Fix: restart the kernel" in two
    assert batch_line(8, 0) == "8 pairs per optimizer step (one device)"
    assert batch_line(16, 1) == "16 pairs per optimizer step (one device)"
    assert batch_line(16, 2) == "32 pairs per optimizer step (16 per GPU x 2 GPUs, nn.DataParallel)"


def test_the_trainer_counts_the_batch_as_the_banner_does(monkeypatch, tmp_path):
    """TrainingArguments.train_batch_size is per device x max(1, n_gpu): the banner's line."""
    from transformers import TrainingArguments

    args = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=16, report_to="none")
    for gpus in (1, 2):
        monkeypatch.setattr(TrainingArguments, "n_gpu", property(lambda self, gpus=gpus: gpus))
        assert batch_line(16, gpus).startswith(f"{args.train_batch_size} pairs")


def test_kaggle_is_detected_by_its_run_type_variable():
    assert in_kaggle({"KAGGLE_KERNEL_RUN_TYPE": "Interactive"})
    assert in_kaggle({"KAGGLE_KERNEL_RUN_TYPE": "Batch"})
    assert not in_kaggle({})
    assert not in_kaggle({"KAGGLE_KERNEL_RUN_TYPE": ""})


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU case")
def test_kaggle_without_gpu_names_kaggles_way_to_one(monkeypatch):
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    line = describe_device()
    assert "No GPU in this Kaggle session" in line and KAGGLE_GPU_HINT in line
    assert "Settings > Accelerator" in KAGGLE_GPU_HINT
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    assert "Kaggle" not in describe_device()


def test_setup_cell_installs_the_course_on_kaggle(monkeypatch):
    """The notebooks' set-up cell (the same in all) acts on Kaggle as on Colab."""
    import json
    from pathlib import Path

    notebook = Path(__file__).resolve().parent.parent / "notebooks" / "01_tokenization.ipynb"
    cells = json.loads(notebook.read_text())["cells"]
    setup = next("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    commands = []
    monkeypatch.setattr("subprocess.run", lambda command, check: commands.append(command))
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)  # helpers not installed yet
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    exec(setup, {})
    assert len(commands) == 1 and commands[0][-1].startswith("git+https://github.com/")
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    exec(setup, {})
    assert len(commands) == 1, "off Colab and Kaggle the set-up cell installs nothing"


def make_checkpoint(folder, step, max_steps):
    checkpoint = folder / f"checkpoint-{step}"
    checkpoint.mkdir(parents=True)
    (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step, "max_steps": max_steps}))
    return checkpoint


def test_resume_from_newest_checkpoint_by_step_number(tmp_path):
    make_checkpoint(tmp_path, 9, 30)
    newest = make_checkpoint(tmp_path, 10, 30)  # sorts before 9 as text
    assert latest_unfinished_checkpoint(tmp_path) == str(newest)


def test_finished_run_is_not_resumed(tmp_path):
    make_checkpoint(tmp_path, 30, 30)
    assert latest_unfinished_checkpoint(tmp_path) is None


def test_half_written_checkpoint_is_passed_over(tmp_path):
    complete = make_checkpoint(tmp_path, 4, 30)
    (tmp_path / "checkpoint-8").mkdir()  # no trainer_state.json: the session dropped while saving
    assert latest_unfinished_checkpoint(tmp_path) == str(complete)


def test_nothing_to_resume(tmp_path):
    assert latest_unfinished_checkpoint(tmp_path / "absent") is None
    (tmp_path / "checkpoint-5").mkdir()
    assert latest_unfinished_checkpoint(tmp_path) is None


def test_checkpoints_without_a_readable_record_are_not_resumed(tmp_path, capsys):
    """A course_run.json cut short (the session dropped while writing it) means: not provably this run."""
    from transformers import TrainingArguments

    from helpers import resolve_profile, resumable_checkpoint

    make_checkpoint(tmp_path, 5, 30)
    (tmp_path / "course_run.json").write_text('{"checkpoint": ')
    args = TrainingArguments(output_dir=str(tmp_path), report_to="none")
    assert resumable_checkpoint(args, resolve_profile({"COURSE_PROFILE": "offline"})) is None
    said = capsys.readouterr().out
    assert said.startswith("Starting afresh:") and "no readable course_run.json" in said
    assert not (tmp_path / "checkpoint-5").exists()


# torch.cuda.get_arch_list() of PyTorch's CUDA 12.8 wheels, as Kaggle's image prints it for a P100
# (Kaggle/docker-python issue 1546: "The current PyTorch install supports CUDA capabilities sm_70
# sm_75 sm_80 sm_86 sm_90 sm_100 sm_120"), and of a CUDA 12.6 wheel (Maxwell and Pascal kept).
CU128_ARCHS = ["sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]
CU126_ARCHS = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]


@pytest.mark.parametrize(("name", "capability", "expected"), SIMULATED_GPUS)
def test_a_gpu_this_pytorch_cannot_run_on_is_named_with_the_fix(monkeypatch, name, capability, expected):
    simulate_gpu(monkeypatch, name, capability)
    monkeypatch.setattr(torch.cuda, "get_device_properties", lambda device=None: type("P", (), {"total_memory": 2**34}))
    monkeypatch.setattr(torch.cuda, "get_arch_list", lambda: CU128_ARCHS)
    line = describe_device()
    if capability == (6, 0):
        assert "no kernels for the Tesla P100-PCIE-16GB (compute capability 6.0" in line
        assert "GPU T4 x2" in line and "CUDA 12.6" in line
    else:
        assert "no kernels" not in line, name
    monkeypatch.setattr(torch.cuda, "get_arch_list", lambda: CU126_ARCHS)
    assert "no kernels" not in describe_device()


def test_binaries_run_on_the_same_major_version_and_ptx_on_later_ones():
    assert unsupported_gpu((8, 9), ["sm_80"]) == ""  # an L4 runs sm_80 binaries
    assert unsupported_gpu((9, 0), ["sm_80"]) == "sm_80"  # an H100 does not
    assert unsupported_gpu((9, 0), ["sm_80", "compute_80"]) == ""  # but compiles PTX for 8.0
    assert unsupported_gpu((9, 0), ["sm_90a"]) == ""
    assert unsupported_gpu((7, 5), []) == ""  # a CPU build: nothing to say
    assert unsupported_gpu(None, CU128_ARCHS) == ""
