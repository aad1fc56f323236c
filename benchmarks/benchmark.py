"""Benchmark fine-tuning on this machine with the current profile.

    python benchmarks/benchmark.py            # the profile's full settings
    python benchmarks/benchmark.py --quick    # CI-sized: 1 epoch on 128 pairs

    # real-size training on a CPU: a 3,668-pair set, length-grouped batches, max_length 128
    python scripts/make_bundled_mrpc.py --sizes 3668 408 408 --out build/mrpc-3668
    COURSE_MRPC_DIR=build/mrpc-3668 python benchmarks/benchmark.py \
        --sampling group_by_length --max-length 128 --no-padding-comparison

    # less per-step overhead on a GPU: standard Trainer settings, one flag each
    python benchmarks/benchmark.py --dataloader-workers 4 --no-nan-filter --tf32 \
        --eval-batch-size 256 --pad-to-multiple-of 8 [--torch-compile]

Prints, for the device and profile in use: train and eval samples/s, wall time per
epoch, final validation accuracy/F1, peak memory, the training's floating-point work
(the Trainer's ``total_flos``: 6 x parameters x tokens) per second against the peak
of this device's matrix products, measured in the same run (bf16 on a GPU that has it,
float32 on a CPU), and the cost of padding every pair to the maximum length compared
with dynamic padding, measured on the same batches in the same run. ``--json FILE``
also writes the figures as JSON. Batch size and learning rate default to the profile's
(which follow the training split's size); the options below change them, the order of
training pairs, the tokenizer's ``max_length`` and the Trainer settings that cut the
time spent between the GPU's kernels.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import torch
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
    set_seed,
)

from helpers import (
    compute_metrics,
    describe_device,
    load_mrpc,
    load_mrpc_metric,
    mixed_precision,
    quiet_library_output,
    resolve_profile,
)


def peak_memory_mib() -> tuple[str, float]:
    """Peak GPU memory allocated by torch on CUDA, else the process's peak resident memory."""
    if torch.cuda.is_available():
        return "GPU (torch max allocated)", torch.cuda.max_memory_allocated() / 2**20
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return "process RSS", kib / 1024


def max_length(tokenizer, model) -> int:
    """The longest input the model takes: what ``padding="max_length"`` pads to."""
    return min(tokenizer.model_max_length, model.config.max_position_embeddings)


def matmul_peak_tflops() -> tuple[str, float]:
    """What this device's matrix products reach, measured: square bf16 products on a GPU
    that supports bf16 (else float16), float32 on a CPU; the best of 3 timed rounds, so a
    busy moment of the machine does not lower the peak. The reference for the share of
    peak that training reaches; on an H200 this gives about 780 TFLOP/s."""
    if torch.cuda.is_available():
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        size, repeats, device = 8192, 10, "cuda"
    else:
        dtype, size, repeats, device = torch.float32, 2048, 4, "cpu"
    a = torch.randn(size, size, dtype=dtype, device=device)
    b = torch.randn(size, size, dtype=dtype, device=device)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(3):
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        for _ in range(repeats):
            a @ b
        if device == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - started)
    label = f"{str(dtype).removeprefix('torch.')} {size}x{size} matrix products, measured"
    return label, 2 * size**3 * repeats / best / 1e12


def training_args(profile, folder, epochs, batch_size=None, learning_rate=None, eval_batch_size=64, **extra):
    return TrainingArguments(
        output_dir=folder,
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size or profile.batch_size,
        per_device_eval_batch_size=eval_batch_size,
        learning_rate=learning_rate or profile.learning_rate,
        warmup_steps=0.1,
        weight_decay=0.01,
        save_strategy="no",
        seed=42,
        report_to="none",
        disable_tqdm=True,
        **mixed_precision(),
        **{"logging_strategy": "no", **extra},
    )


def timed_steps(profile, tokenizer, dataset, folder, steps, pad_to_max):
    """Train ``steps`` optimizer steps on the same pairs; return samples/s and tokens per batch."""
    set_seed(42)
    model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
    if pad_to_max:
        collator = DataCollatorWithPadding(tokenizer, padding="max_length", max_length=max_length(tokenizer, model))
    else:
        collator = DataCollatorWithPadding(tokenizer)
    trainer = Trainer(
        model=model,
        args=training_args(profile, folder, epochs=1, max_steps=steps),
        train_dataset=dataset,
        data_collator=collator,
        processing_class=tokenizer,
    )
    output = trainer.train()
    batch = collator(
        [
            {key: dataset[i][key] for key in ("input_ids", "token_type_ids", "attention_mask")}
            for i in range(min(profile.batch_size, len(dataset)))
        ]
    )
    return output.metrics["train_samples_per_second"], int(batch["input_ids"].numel())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI-sized: 1 epoch on 128 training pairs, 2 padding steps")
    parser.add_argument("--epochs", type=int, help="training epochs (default: the profile's)")
    parser.add_argument("--train-pairs", type=int, help="use only the first N training pairs")
    parser.add_argument("--padding-steps", type=int, default=10, help="steps per padding mode (default 10)")
    parser.add_argument("--no-padding-comparison", action="store_true", help="skip the dynamic vs max padding runs")
    parser.add_argument("--batch-size", type=int, help="training batch size (default: the profile's)")
    parser.add_argument("--learning-rate", type=float, help="learning rate (default: the profile's)")
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps (throughput only)")
    parser.add_argument(
        "--sampling",
        choices=["random", "group_by_length"],
        default="random",
        help="order of training pairs: random batches, or batches of similar length (less padding)",
    )
    parser.add_argument("--max-length", type=int, help="truncate each pair to this many tokens (default: the model's)")
    speed = parser.add_argument_group("settings that cut the overhead per step (all off by default)")
    speed.add_argument(
        "--dataloader-workers", type=int, default=0, help="processes that build batches beside training (default 0)"
    )
    speed.add_argument("--eval-batch-size", type=int, default=64, help="evaluation batch size (default 64)")
    speed.add_argument(
        "--no-nan-filter",
        action="store_true",
        help="logging_nan_inf_filter=False: no check of every step's loss, which waits for the GPU each step",
    )
    speed.add_argument("--tf32", action="store_true", help="TF32 matrix products for what runs in float32 (GPU)")
    speed.add_argument(
        "--pad-to-multiple-of", type=int, help="pad each batch to a multiple of N tokens (fewer shapes; tensor cores)"
    )
    speed.add_argument("--torch-compile", action="store_true", help="torch.compile the model (slow first steps)")
    speed.add_argument(
        "--logging-steps", type=int, help="log the loss every N steps, as the notebooks do (default off)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = args.epochs or 1
        args.train_pairs = args.train_pairs or 128
        args.padding_steps = 2

    quiet_library_output()
    profile = resolve_profile()
    epochs = args.epochs or profile.num_train_epochs
    tokenizer = AutoTokenizer.from_pretrained(profile.checkpoint)
    data = load_mrpc(profile).map(
        lambda batch: tokenizer(batch["sentence1"], batch["sentence2"], truncation=True, max_length=args.max_length),
        batched=True,
    )
    train = data["train"] if args.train_pairs is None else data["train"].select(range(args.train_pairs))
    metric = load_mrpc_metric(profile)

    speed_settings = {
        "dataloader_num_workers": args.dataloader_workers,
        "logging_nan_inf_filter": not args.no_nan_filter,
        "tf32": True if args.tf32 and torch.cuda.is_available() else None,  # TF32 exists on GPUs only
        "torch_compile": args.torch_compile,
    }
    if args.logging_steps:
        speed_settings.update(logging_strategy="steps", logging_steps=args.logging_steps)

    with tempfile.TemporaryDirectory() as folder:
        set_seed(42)
        model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
        trainer = Trainer(
            model=model,
            args=training_args(
                profile,
                folder,
                epochs,
                args.batch_size,
                args.learning_rate,
                args.eval_batch_size,
                train_sampling_strategy=args.sampling,
                max_steps=args.max_steps or -1,
                **speed_settings,
            ),
            train_dataset=train,
            eval_dataset=data["validation"],
            data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=args.pad_to_multiple_of),
            processing_class=tokenizer,
            compute_metrics=lambda eval_pred: compute_metrics(eval_pred, metric),
        )
        started = time.perf_counter()
        train_metrics = trainer.train().metrics
        train_seconds = time.perf_counter() - started
        evaluation = trainer.evaluate()
        memory_kind, memory_mib = peak_memory_mib()
        train_tflops = trainer.state.total_flos / train_metrics["train_runtime"] / 1e12
        peak_label, peak_tflops = matmul_peak_tflops()

        if not args.no_padding_comparison:
            dynamic_sps, dynamic_tokens = timed_steps(profile, tokenizer, train, folder, args.padding_steps, False)
            max_sps, max_tokens = timed_steps(profile, tokenizer, train, folder, args.padding_steps, True)

    figures = {
        "device": describe_device().splitlines()[0],
        "profile": profile.name,
        "checkpoint": profile.checkpoint_label,
        "train pairs": len(train),
        "validation pairs": len(data["validation"]),
        "epochs": epochs if not args.max_steps else f"{trainer.state.global_step} steps",
        "batch size": args.batch_size or profile.batch_size,
        "learning rate": args.learning_rate or profile.learning_rate,
        "sampling": args.sampling,
        "max length": args.max_length or "model's",
        "settings": ", ".join(f"{key}={value}" for key, value in speed_settings.items())
        + f", pad_to_multiple_of={args.pad_to_multiple_of}, eval batch {args.eval_batch_size}",
        "train samples/s": round(train_metrics["train_samples_per_second"], 1),
        "train steps/s": round(train_metrics["train_steps_per_second"], 2),
        "eval samples/s": round(evaluation["eval_samples_per_second"], 1),
        "seconds per epoch": round(train_seconds / trainer.state.epoch, 1),
        "validation accuracy": round(evaluation["eval_accuracy"], 4),
        "validation F1": round(evaluation["eval_f1"], 4),
        f"peak memory MiB ({memory_kind})": round(memory_mib),
        "training TFLOP (Trainer total_flos)": round(trainer.state.total_flos / 1e12, 2),
        "training TFLOP/s": float(f"{train_tflops:.3g}"),
        f"peak TFLOP/s ({peak_label})": float(f"{peak_tflops:.3g}"),
        "share of peak": f"{train_tflops / peak_tflops:.2%}",
    }
    if not args.no_padding_comparison:
        figures.update(
            {
                "padding steps per mode": args.padding_steps,
                "dynamic padding train samples/s": round(dynamic_sps, 1),
                f"pad-to-{max_length(tokenizer, model)} train samples/s": round(max_sps, 1),
                "speed-up of dynamic padding": round(dynamic_sps / max_sps, 2),
                "tokens in first batch, dynamic vs max": f"{dynamic_tokens} vs {max_tokens}",
            }
        )
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
