"""Formulas with the user's numbers filled in, as LaTeX for st.latex.
"""

from __future__ import annotations

import numpy as np

from cnnlab.shapes import conv2d_params, conv_output_length, pair
from cnnlab.step_through import WindowStep, format_number


def conv_axis_latex(n: int, k: int, s: int = 1, padding: str = "valid", d: int = 1, symbol: str = "H") -> str:
    """One axis of the output-size formula as LaTeX, general form then the user's numbers.

    valid: floor((n - d(k-1) - 1)/s) + 1; same: ceil(n/s). The dilation term is shown only
    when d > 1 so the textbook case reads like the textbook ((n - k)/s + 1).
    """
    out = conv_output_length(n, k, s, padding, d)
    lhs = f"{symbol}_{{\\text{{out}}}}"
    if padding == "same":
        return (f"{lhs} = \\left\\lceil \\frac{{{symbol}}}{{s}} \\right\\rceil"
                f" = \\left\\lceil \\frac{{{n}}}{{{s}}} \\right\\rceil = {out}")
    if d > 1:
        general = f"\\left\\lfloor \\frac{{{symbol} - d(k-1) - 1}}{{s}} \\right\\rfloor + 1"
        filled = f"\\left\\lfloor \\frac{{{n} - {d}\\cdot({k}-1) - 1}}{{{s}}} \\right\\rfloor + 1"
    else:
        general = f"\\left\\lfloor \\frac{{{symbol} - k}}{{s}} \\right\\rfloor + 1"
        filled = f"\\left\\lfloor \\frac{{{n} - {k}}}{{{s}}} \\right\\rfloor + 1"
    return f"{lhs} = {general} = {filled} = {out}"


def conv2d_params_latex(kernel_size, in_channels: int, filters: int, weights_label: str = "weights",
                        biases_label: str = "biases") -> str:
    """(kh·kw·C_in + 1)·filters with the numbers, as LaTeX (labels under the two parts)."""
    kh, kw = pair(kernel_size)
    total = conv2d_params((kh, kw), in_channels, filters)
    weights = kh * kw * in_channels * filters
    return (f"(k_h \\cdot k_w \\cdot C_{{\\text{{in}}}} + 1) \\cdot F = ({kh} \\cdot {kw} \\cdot {in_channels} + 1)"
            f" \\cdot {filters} = \\underbrace{{{weights:,}}}_{{\\text{{{weights_label}}}}} + "
            f"\\underbrace{{{filters:,}}}_{{\\text{{{biases_label}}}}} = {total:,}").replace(",", "{,}")


def _latex_num(v: float, padded: bool = False, paren: bool = True) -> str:
    text = "-\\infty" if np.isneginf(v) else format_number(float(v))
    if text.startswith("-") and not padded and paren:
        text = f"({text})"
    return f"\\color{{gray}}{{{text}}}" if padded else text


def conv_step_latex(step: WindowStep, activation: str = "linear") -> str:
    """y[r, c] = sum of input x weight, one kernel row per line; padded zeros in grey."""
    kh, kw = step.values.shape
    lines = []
    for a in range(kh):
        terms = " + ".join(f"{_latex_num(step.values[a, b], bool(step.is_pad[a, b]))} \\cdot "
                           f"{_latex_num(step.weights[a, b])}" for b in range(kw))
        lines.append((f"y_{{{step.row},{step.col}}} &= " if a == 0 else "&\\quad + ") + terms)
    z = format_number(step.pre_activation)
    lines.append(f"&\\quad + \\underbrace{{{_latex_num(step.bias)}}}_{{b}} = {z}")
    if activation != "linear":
        lines.append(f"\\operatorname{{{activation}}}({z}) &= {format_number(step.result)}")
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def pool_step_latex(step: WindowStep) -> str:
    """y[r, c] = max(window) with the winner in bold; padded cells as grey -inf."""
    flat = [(v, bool(p)) for v, p in zip(step.values.ravel(), step.is_pad.ravel(), strict=True)]
    win = int(np.argmax(step.values))
    terms = [_latex_num(v, p, False) for v, p in flat]
    terms[win] = f"\\boldsymbol{{{terms[win]}}}"
    return f"y_{{{step.row},{step.col}}} = \\max({', '.join(terms)}) = {format_number(step.result)}"
