"""GLUE MRPC metric (accuracy and F1) as a local ``evaluate`` module.

``evaluate.load("glue", "mrpc")`` downloads its script from the Hugging Face Hub.
This file gives the same result offline: ``evaluate.load(<this folder>, "mrpc")``.
F1 is binary F1 of the positive class (1 = equivalent), as in GLUE.
"""

import datasets
import evaluate

_DESCRIPTION = "Accuracy and F1 (positive class 1) for GLUE MRPC, computable without the Hub."
_KWARGS_DESCRIPTION = """
Args:
    predictions: predicted labels, 0 or 1.
    references: true labels, 0 or 1.
Returns:
    {'accuracy': float, 'f1': float}
Example:
    >>> metric = evaluate.load("helpers/glue_mrpc", "mrpc")
    >>> metric.compute(predictions=[0, 1, 1], references=[0, 1, 0])
    {'accuracy': 0.6666666666666666, 'f1': 0.6666666666666666}
"""
_CITATION = """\
@inproceedings{wang2019glue,
  title={GLUE: A Multi-Task Benchmark and Analysis Platform for Natural Language Understanding},
  author={Wang, Alex and Singh, Amanpreet and Michael, Julian and Hill, Felix and Levy, Omer and Bowman, Samuel R.},
  booktitle={ICLR}, year={2019}
}
"""


def accuracy_and_f1(predictions, references):
    """Fraction of matches, and F1 of class 1 (0.0 when there is no true or predicted 1)."""
    pairs = list(zip((int(p) for p in predictions), (int(r) for r in references), strict=True))
    true_pos = sum(1 for p, r in pairs if p == 1 and r == 1)
    false_pos = sum(1 for p, r in pairs if p == 1 and r == 0)
    false_neg = sum(1 for p, r in pairs if p == 0 and r == 1)
    accuracy = sum(1 for p, r in pairs if p == r) / len(pairs)
    denominator = 2 * true_pos + false_pos + false_neg
    f1 = 2 * true_pos / denominator if denominator else 0.0
    return {"accuracy": float(accuracy), "f1": float(f1)}


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class GlueMrpc(evaluate.Metric):
    def _info(self):
        if self.config_name not in ("mrpc", "default"):
            raise KeyError(f"This local module only knows the 'mrpc' config, not {self.config_name!r}.")
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references):
        return accuracy_and_f1(predictions, references)
