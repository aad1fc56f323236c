"""Benchmark fine-tuning on this machine with the current profile.

    python benchmarks/benchmark.py            # the profile's full settings
    python benchmarks/benchmark.py --quick    # CI-sized: 1 epoch on 128 pairs

Prints, for the device and profile in use: train and eval samples/s, wall time per
epoch, final validation accuracy/F1, peak memory, and the cost of padding every pair
to the maximum length compared with dynamic padding, measured on the same batches in
the same run. ``--json FILE`` also writes the figures as JSON.
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


def training_args(profile, folder, epochs, **extra):
    return TrainingArguments(
        output_dir=folder,
        num_train_epochs=epochs,
        per_device_train_batch_size=profile.batch_size,
        per_device_eval_batch_size=64,
        learning_rate=profile.learning_rate,
        warmup_steps=0.1,
        weight_decay=0.01,
        save_strategy="no",
        logging_strategy="no",
        seed=42,
        report_to="none",
        disable_tqdm=True,
        **mixed_precision(),
        **extra,
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
    batch = collator([{key: dataset[i][key] for key in ("input_ids", "token_type_ids", "attention_mask")}
                      for i in range(min(profile.batch_size, len(dataset)))])
    return output.metrics["train_samples_per_second"], int(batch["input_ids"].numel())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI-sized: 1 epoch on 128 training pairs, 4 padding steps")
    parser.add_argument("--epochs", type=int, help="training epochs (default: the profile's)")
    parser.add_argument("--train-pairs", type=int, help="use only the first N training pairs")
    parser.add_argument("--padding-steps", type=int, default=10, help="steps per padding mode (default 10)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = args.epochs or 1
        args.train_pairs = args.train_pairs or 128
        args.padding_steps = 4

    quiet_library_output()
    profile = resolve_profile()
    epochs = args.epochs or profile.num_train_epochs
    tokenizer = AutoTokenizer.from_pretrained(profile.checkpoint)
    data = load_mrpc(profile).map(
        lambda batch: tokenizer(batch["sentence1"], batch["sentence2"], truncation=True), batched=True
    )
    train = data["train"] if args.train_pairs is None else data["train"].select(range(args.train_pairs))
    metric = load_mrpc_metric(profile)

    with tempfile.TemporaryDirectory() as folder:
        set_seed(42)
        model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
        trainer = Trainer(
            model=model,
            args=training_args(profile, folder, epochs),
            train_dataset=train,
            eval_dataset=data["validation"],
            data_collator=DataCollatorWithPadding(tokenizer),
            processing_class=tokenizer,
            compute_metrics=lambda eval_pred: compute_metrics(eval_pred, metric),
        )
        started = time.perf_counter()
        train_metrics = trainer.train().metrics
        train_seconds = time.perf_counter() - started
        evaluation = trainer.evaluate()
        memory_kind, memory_mib = peak_memory_mib()

        dynamic_sps, dynamic_tokens = timed_steps(profile, tokenizer, train, folder, args.padding_steps, False)
        max_sps, max_tokens = timed_steps(profile, tokenizer, train, folder, args.padding_steps, True)

    figures = {
        "device": describe_device().splitlines()[0],
        "profile": profile.name,
        "checkpoint": profile.checkpoint_label,
        "train pairs": len(train),
        "validation pairs": len(data["validation"]),
        "epochs": epochs,
        "batch size": profile.batch_size,
        "train samples/s": round(train_metrics["train_samples_per_second"], 1),
        "eval samples/s": round(evaluation["eval_samples_per_second"], 1),
        "seconds per epoch": round(train_seconds / epochs, 1),
        "validation accuracy": round(evaluation["eval_accuracy"], 4),
        "validation F1": round(evaluation["eval_f1"], 4),
        f"peak memory MiB ({memory_kind})": round(memory_mib),
        "padding steps per mode": args.padding_steps,
        "dynamic padding train samples/s": round(dynamic_sps, 1),
        f"pad-to-{max_length(tokenizer, model)} train samples/s": round(max_sps, 1),
        "speed-up of dynamic padding": round(dynamic_sps / max_sps, 2),
        "tokens in first batch, dynamic vs max": f"{dynamic_tokens} vs {max_tokens}",
    }
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
