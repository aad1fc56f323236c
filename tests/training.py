"""A Trainer on the bundled data, built the way the notebooks build it, for the tests."""

from __future__ import annotations

from transformers import (
    AutoModelForSequenceClassification,
    BertConfig,
    BertForSequenceClassification,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
    set_seed,
)

from helpers import compute_metrics, load_mrpc_metric, mixed_precision


def make_trainer(profile, tokenizer, tokenized, output_dir, train_pairs=None, callbacks=(), **overrides):
    """Seeded model + Trainer; ``overrides`` replace any TrainingArguments value."""
    set_seed(42)
    model = AutoModelForSequenceClassification.from_pretrained(profile.checkpoint, num_labels=2)
    settings = dict(
        output_dir=str(output_dir),
        num_train_epochs=profile.num_train_epochs,
        per_device_train_batch_size=profile.batch_size,
        per_device_eval_batch_size=64,
        learning_rate=profile.learning_rate,
        warmup_steps=0.1,
        weight_decay=0.01,
        logging_steps=10,
        save_strategy="no",
        seed=42,
        report_to="none",
        disable_tqdm=True,
        **mixed_precision(),
    )
    settings.update(overrides)
    metric = load_mrpc_metric(profile)
    train = tokenized["train"]
    return Trainer(
        model=model,
        args=TrainingArguments(**settings),
        train_dataset=train if train_pairs is None else train.select(range(train_pairs)),
        eval_dataset=tokenized["validation"],
        data_collator=DataCollatorWithPadding(tokenizer=tokenizer),
        processing_class=tokenizer,
        compute_metrics=lambda eval_pred: compute_metrics(eval_pred, metric),
        callbacks=list(callbacks),
    )


def save_tiny_bert(folder, tokenizer):
    """A tiny, randomly initialized BERT with the course tokenizer's vocabulary, saved with
    ``save_pretrained`` (tokenizer included) as a local model folder; it trains in seconds."""
    set_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        num_labels=2,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
