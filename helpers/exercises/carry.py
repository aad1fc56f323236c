"""Answers as plain data: what a check's verdict may rest on, so that it can be given apart from
the code that made the answer.

``to_data()`` turns an answer into JSON-ready data: ``None``, booleans, numbers, strings,
lists, tuples, dicts, sets, NumPy arrays and torch tensors (as arrays), NumPy scalars, and
the few named tuples the checks know (``TrainOutput``...). Anything else becomes a
:class:`NotData` that keeps only the name of its type, so that a check can say what the
answer was ("should be a function, not str"). ``from_data()`` reads such data back without
running any code: no pickle, arrays from raw bytes of a numeric type.

In a notebook, ``Exercise.evaluate()`` carries the answer through ``to_data`` /
``from_data`` before judging it, exactly as the class grader does between the student's
kernel and the kernel that judges.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable

import numpy as np

# The largest answer carried (bytes of JSON): far above any exercise's, far below a machine's memory.
MAX_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 20


class NotData:
    """An answer that cannot be carried as data: only the name of its type is kept."""

    def __init__(self, type_name: str):
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, NotData) and other.type_name == self.type_name

    def __hash__(self) -> int:
        return hash(self.type_name)


def type_name(value) -> str:
    """The name of the answer's type, for messages: also for an answer that was carried as :class:`NotData`."""
    return value.type_name if isinstance(value, NotData) else type(value).__name__


def _named_tuples() -> dict[str, Callable]:
    """The named tuples a check may receive, rebuilt from their fields (imported only when met)."""
    from transformers.trainer_utils import EvalPrediction, PredictionOutput, TrainOutput

    return {"TrainOutput": TrainOutput, "PredictionOutput": PredictionOutput, "EvalPrediction": EvalPrediction}


NAMED_TUPLES = ("TrainOutput", "PredictionOutput", "EvalPrediction")
ARRAY_KINDS = "biufc"  # bool, signed and unsigned integers, floats, complex


def _array(value: np.ndarray, tensor: bool) -> dict:
    value = np.ascontiguousarray(value)
    if value.dtype.kind not in ARRAY_KINDS:
        return {"not_data": f"array of {value.dtype}"}
    return {
        "array": {
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "bytes": base64.b64encode(value.tobytes()).decode("ascii"),
            "tensor": tensor,
        }
    }


def to_data(value, depth: int = 0):
    """``value`` as JSON-ready data; what cannot be carried becomes ``{"not_data": type name}``."""
    if depth > MAX_DEPTH:
        return {"not_data": "nesting deeper than 20 levels"}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else {"int": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        return to_data(value.item(), depth + 1)
    if isinstance(value, np.ndarray):
        return _array(value, tensor=False)
    if type(value).__module__.startswith("torch") and type(value).__name__ in ("Tensor", "Parameter"):
        tensor = value.detach().cpu()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        return _array(tensor.numpy(), tensor=True)
    if isinstance(value, tuple) and type(value).__name__ in NAMED_TUPLES and hasattr(value, "_asdict"):
        fields = {key: to_data(item, depth + 1) for key, item in value._asdict().items()}
        return {"named_tuple": type(value).__name__, "fields": fields}
    if type(value) in (list, tuple, set, frozenset):
        items = [to_data(item, depth + 1) for item in value]
        return items if type(value) is list else {type(value).__name__: items}
    if type(value) is dict:
        return {"dict": [[to_data(key, depth + 1), to_data(item, depth + 1)] for key, item in value.items()]}
    return {"not_data": type(value).__name__}


def from_data(data):
    """The answer that :func:`to_data` carried, rebuilt without running any of its code."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [from_data(item) for item in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ValueError("not data written by to_data()")
    if "array" in data:
        spec = data["array"]
        dtype = np.dtype(spec["dtype"])
        if dtype.kind not in ARRAY_KINDS:
            raise ValueError(f"an array of {dtype} is not carried")
        array = np.frombuffer(base64.b64decode(spec["bytes"]), dtype=dtype).reshape(spec["shape"]).copy()
        if spec.get("tensor"):
            import torch

            return torch.from_numpy(array)
        return array
    if "named_tuple" in data:
        kind = _named_tuples()[data["named_tuple"]]
        return kind(**{key: from_data(item) for key, item in data["fields"].items()})
    if "dict" in data:
        return {_hashable(from_data(key)): from_data(item) for key, item in data["dict"]}
    if "tuple" in data:
        return tuple(from_data(item) for item in data["tuple"])
    if "set" in data or "frozenset" in data:
        kind = set if "set" in data else frozenset
        return kind(_hashable(from_data(item)) for item in data.get("set", data.get("frozenset")))
    if "int" in data:
        return int(data["int"])
    if "float" in data:
        return float(data["float"])
    if "not_data" in data:
        return NotData(str(data["not_data"]))
    raise ValueError("not data written by to_data()")


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def dumps(data) -> str:
    """JSON text of carried data; a :class:`ValueError` if it is larger than MAX_BYTES."""
    text = json.dumps(data, allow_nan=True, separators=(",", ":"))
    if len(text) > MAX_BYTES:
        raise ValueError(f"the answer is {len(text) / 2**20:.0f} MB as data, more than {MAX_BYTES // 2**20} MB")
    return text


def loads(text: str):
    return json.loads(text)
