"""Fine-tune on MRPC from the command line: the course's Trainer run, as a program.

One process (a GPU if there is one, else the CPU):

    python scripts/train_mrpc.py

Several processes, with distributed data parallel (each process trains on its own
share of every batch round and the gradients are averaged):

    accelerate launch --multi_gpu --num_processes 2 scripts/train_mrpc.py   # 2 GPUs (or 2 CPU processes)
    torchrun --nproc_per_node 2 scripts/train_mrpc.py           # 2 GPUs, or 2 CPU processes (gloo)

The model and data come from the course profile (COURSE_PROFILE, COURSE_MODEL,
COURSE_MRPC_DIR), and so do the defaults of the training settings. At the end the
first process prints validation accuracy and F1 and writes them, with the run's
facts, to ``results.json`` in the output folder; every process writes
``rank-N-pairs.json``, the pairs (their ``idx``) it trained on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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
    CourseSetupError,
    compute_metrics,
    load_mrpc,
    load_mrpc_metric,
    mixed_precision,
    output_dir,
    quiet_library_output,
    resolve_profile,
)


def positive(kind):
    """An argparse type: a number of ``kind`` above zero, with a plain message otherwise."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__} number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be above 0, got {text!r}")
        return value

    return parse


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=positive(int), help="training epochs (default: the profile's)")
    parser.add_argument("--learning-rate", type=positive(float), help="peak learning rate (default: the profile's)")
    parser.add_argument(
        "--batch-size", type=positive(int), help="training pairs per batch on each process (default: the profile's)"
    )
    parser.add_argument("--max-steps", type=positive(int), help="stop after this many optimizer steps")
    parser.add_argument("--train-pairs", type=positive(int), help="train on the first N training pairs only")
    parser.add_argument(
        "--output-dir", type=Path, help="where results and checkpoints go (default: the course's runs/train_mrpc)"
    )
    parser.add_argument(
        "--sampling",
        choices=["random", "group_by_length"],
        default="random",
        help="order of training pairs: random batches (default), or batches of similar length, which pad "
        "less and train faster on a CPU (see docs/benchmark.md)",
    )
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument(
        "--no-gpu-speedups",
        action="store_true",
        help="on a GPU, train with the notebooks' plain settings instead of TF32, batches padded to a "
        "multiple of 8, 4 loader processes, no per-step NaN check and evaluation batches of 256",
    )
    return parser.parse_args(argv)


class CollatorThatCounts(DataCollatorWithPadding):
    """``DataCollatorWithPadding`` that also notes the ``idx`` of every pair it batches,
    so each process can say which pairs it trained on."""

    def __init__(self, tokenizer, pad_to_multiple_of=None):
        super().__init__(tokenizer, pad_to_multiple_of=pad_to_multiple_of)
        self.seen: list[int] = []

    def __call__(self, features):
        self.seen.extend(int(feature.pop("idx")) for feature in features)
        return super().__call__(features)


def cpu_processes() -> dict:
    """``use_cpu=True`` when launched as several processes on a machine without a CUDA GPU.

    Only then does the Trainer run distributed data parallel on the CPU, over the gloo
    backend; otherwise each process would train alone on all the data.
    """
    several = int(os.environ.get("WORLD_SIZE", "1")) > 1
    return {"use_cpu": True} if several and not torch.cuda.is_available() else {}


def gpu_speedups(enabled: bool) -> dict:
    """On a CUDA GPU, the standard Trainer settings that cut the time per step, measured together
    with ``benchmarks/benchmark.py`` on an H200 (docs/benchmark.md): TF32 matrix products, batches
    padded to a multiple of 8, 4 loader processes, no per-step NaN check of the loss (it waits for
    the GPU every step), evaluation batches of 256. Nothing on a CPU, or with ``--no-gpu-speedups``."""
    if not (enabled and torch.cuda.is_available()):
        return {}
    return {
        "tf32": True,
        "dataloader_num_workers": 4,
        "logging_nan_inf_filter": False,
    }


def train(args: argparse.Namespace) -> dict:
    quiet_library_output()
    profile = resolve_profile()
    folder = args.output_dir or Path(output_dir("train_mrpc"))

    tokenizer = AutoTokenizer.from_pretrained(profile.checkpoint)
    tokenized = load_mrpc(profile).map(
        lambda batch: tokenizer(batch["sentence1"], batch["sentence2"], truncation=True),
        batched=True,
        remove_columns=["sentence1", "sentence2"],
    )
    train_split = tokenized["train"]
    if args.train_pairs:
        train_split = train_split.select(range(min(args.train_pairs, len(train_split))))

    set_seed(args.seed)
    model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
    speedups = gpu_speedups(not args.no_gpu_speedups)
    training_args = TrainingArguments(
        output_dir=str(folder),
        num_train_epochs=args.epochs or profile.num_train_epochs,
        max_steps=args.max_steps or -1,
        per_device_train_batch_size=args.batch_size or profile.batch_size,
        per_device_eval_batch_size=256 if speedups else 64,
        learning_rate=args.learning_rate or profile.learning_rate,
        warmup_steps=0.1,
        weight_decay=0.01,
        logging_steps=10,
        save_strategy="no",
        train_sampling_strategy=args.sampling,
        remove_unused_columns=False,  # keep idx for the collator to count
        # The loss of sequence classification is already a mean over the batch: without this,
        # the Trainer multiplies it by the number of processes (and changes what DDP learns).
        average_tokens_across_devices=False,
        ddp_find_unused_parameters=False,
        seed=args.seed,
        report_to="none",
        disable_tqdm=True,
        **mixed_precision(),
        **cpu_processes(),
        **speedups,
    )
    metric = load_mrpc_metric(profile)
    collator = CollatorThatCounts(tokenizer, pad_to_multiple_of=8 if speedups else None)
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=train_split,
        eval_dataset=tokenized["validation"],
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=lambda eval_pred: compute_metrics(eval_pred, metric),
    )

    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    pairs_seen = sorted(collator.seen)
    evaluation = trainer.evaluate()

    state = trainer.state
    rank, world_size = training_args.process_index, training_args.world_size
    folder.mkdir(parents=True, exist_ok=True)
    rank_record = {"rank": rank, "world_size": world_size, "pairs_seen": pairs_seen}
    (folder / f"rank-{rank}-pairs.json").write_text(json.dumps(rank_record) + "\n")
    results = {
        "accuracy": round(evaluation["eval_accuracy"], 4),
        "f1": round(evaluation["eval_f1"], 4),
        "eval_loss": round(evaluation["eval_loss"], 4),
        "world_size": world_size,
        "global_step": state.global_step,
        "epochs": round(state.epoch, 2),
        "per_device_train_batch_size": training_args.per_device_train_batch_size,
        "total_batch_size": training_args.per_device_train_batch_size * world_size,
        "learning_rate": training_args.learning_rate,
        "train_pairs": len(train_split),
        "train_seconds": round(seconds, 1),
        "device": str(training_args.device),
        "gpu_speedups": bool(speedups),
        "profile": profile.name,
        "checkpoint": profile.checkpoint_label,
    }
    if trainer.is_world_process_zero():
        (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        print(
            f"validation accuracy {results['accuracy']:.4f}, F1 {results['f1']:.4f} "
            f"({world_size} process(es), {state.global_step} steps, {seconds:.1f} s); "
            f"results in {folder / 'results.json'}"
        )
    return results


def main(argv=None) -> int:
    args = parse_arguments(argv)
    try:
        train(args)
    except CourseSetupError as error:  # a bad profile, model or data folder: the message says the fix
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
