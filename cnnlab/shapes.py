"""Keras' own shape rules for Conv2D and MaxPooling2D, without TensorFlow.

Per spatial axis with input length n, kernel k, stride s, dilation d:
  valid: floor((n - d*(k-1) - 1) / s) + 1      (the window must fit inside)
  same:  ceil(n / s)                          (zeros are padded as needed)
MaxPooling2D uses the same rules with d = 1 and strides defaulting to the pool size.
Keras rejects Conv2D with strides > 1 together with dilation_rate > 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PADDINGS = ("valid", "same")


@dataclass
class ShapeError(ValueError):
    """A setting Keras would reject, with a machine-readable reason for the UI.

    reason: "stride_and_dilation" | "output_not_positive" | "bad_value"
    field: the control that causes it ("kernel_size", "strides", "pool_size", ...)
    axis: "height"/"width" when one axis is at fault, else None
    values: numbers for the message (n, k, d, effective kernel ...)
    """

    reason: str
    field: str
    axis: str | None = None
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        where = f" ({self.axis})" if self.axis else ""
        return f"{self.reason} in {self.field}{where}: {self.values}"


def format_shape(shape: tuple | None) -> str:
    """(None, 26, 26, 32) -> "(None, 26, 26, 32)", as model.summary() prints it; "—" for no shape."""
    if shape is None:
        return "—"
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def pair(value: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """Keras accepts an int or a (height, width) pair for sizes and strides."""
    if isinstance(value, int):
        return (value, value)
    a, b = value
    return (int(a), int(b))


def effective_kernel(k: int, d: int = 1) -> int:
    """Span of a dilated kernel: d*(k-1) + 1 input cells."""
    return d * (k - 1) + 1


def conv_output_length(n: int, k: int, s: int = 1, padding: str = "valid", d: int = 1) -> int:
    """One axis of a Conv2D output; may be <= 0 for impossible settings (not checked here)."""
    if padding == "same":
        return math.ceil(n / s)
    if padding == "valid":
        return (n - effective_kernel(k, d)) // s + 1
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")


def same_padding(n: int, k: int, s: int = 1, d: int = 1) -> tuple[int, int]:
    """Zeros added (before, after) on one axis under 'same', as TensorFlow does it.

    The total is what lets ceil(n/s) windows fit; the extra odd zero goes after.
    """
    out = math.ceil(n / s)
    total = max((out - 1) * s + effective_kernel(k, d) - n, 0)
    return total // 2, total - total // 2


def dropped_cells(n: int, k: int, s: int = 1, d: int = 1) -> int:
    """Input cells at the end of an axis that no 'valid' window ever reads."""
    out = conv_output_length(n, k, s, "valid", d)
    if out <= 0:
        return 0
    return n - ((out - 1) * s + effective_kernel(k, d))


def _check_positive(field_name: str, **values: int) -> None:
    for name, v in values.items():
        if not isinstance(v, int) or v < 1:
            raise ShapeError("bad_value", field_name, None, {"name": name, "value": v})


def conv2d_output_shape(input_shape: tuple[int, int, int, int], filters: int, kernel_size, strides=1,
                        padding: str = "valid", dilation_rate=1) -> tuple[int, int, int, int]:
    """(batch, h, w, c) -> (batch, h', w', filters), or ShapeError for what Keras rejects."""
    batch, h, w, _c = input_shape
    kh, kw = pair(kernel_size)
    sh, sw = pair(strides)
    dh, dw = pair(dilation_rate)
    _check_positive("filters", filters=filters)
    _check_positive("kernel_size", kh=kh, kw=kw)
    _check_positive("strides", sh=sh, sw=sw)
    _check_positive("dilation_rate", dh=dh, dw=dw)
    if max(sh, sw) > 1 and max(dh, dw) > 1:
        raise ShapeError("stride_and_dilation", "dilation_rate", None,
                         {"strides": (sh, sw), "dilation": (dh, dw)})
    out = []
    for axis, n, k, s, d in (("height", h, kh, sh, dh), ("width", w, kw, sw, dw)):
        length = conv_output_length(n, k, s, padding, d)
        if length <= 0:
            raise ShapeError("output_not_positive", "kernel_size", axis,
                             {"n": n, "k": k, "d": d, "span": effective_kernel(k, d), "out": length})
        out.append(length)
    return (batch, out[0], out[1], filters)


def pool2d_output_shape(input_shape: tuple[int, int, int, int], pool_size=2, strides=None,
                        padding: str = "valid") -> tuple[int, int, int, int]:
    """(batch, h, w, c) -> (batch, h', w', c); strides default to pool_size, as in Keras."""
    batch, h, w, c = input_shape
    ph, pw = pair(pool_size)
    sh, sw = pair(strides) if strides is not None else (ph, pw)
    _check_positive("pool_size", ph=ph, pw=pw)
    _check_positive("strides", sh=sh, sw=sw)
    out = []
    for axis, n, p, s in (("height", h, ph, sh), ("width", w, pw, sw)):
        length = conv_output_length(n, p, s, padding, 1)
        if length <= 0:
            raise ShapeError("output_not_positive", "pool_size", axis, {"n": n, "k": p, "d": 1, "span": p, "out": length})
        out.append(length)
    return (batch, out[0], out[1], c)


def conv2d_params(kernel_size, in_channels: int, filters: int, use_bias: bool = True) -> int:
    """(kh * kw * C_in + 1) * filters weights and biases."""
    kh, kw = pair(kernel_size)
    return (kh * kw * in_channels + (1 if use_bias else 0)) * filters


def dense_params(in_units: int, units: int, use_bias: bool = True) -> int:
    return (in_units + (1 if use_bias else 0)) * units
