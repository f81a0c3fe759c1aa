"""Every number as the app writes it, and every formula with the user's numbers filled in (LaTeX for st.latex).

One named function per way of writing a number: a grid, a sum and a formula that show the same value
show it the same way. The formulas are built from these and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cnnlab.shapes import conv2d_params, conv_output_length, pair
from cnnlab.step_through import WindowStep

if TYPE_CHECKING:
    from cnnlab.network_trace import SoftmaxSteps

# ---------------------------------------------------------------- numbers as shown

def compact_number(v: float) -> str:
    """Exact-looking numbers for matrices and sums: 5, -0.25, 0.333, -inf (3 significant digits)."""
    if np.isneginf(v):
        return "-inf"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}"


def grid_number(v: float) -> str:
    """A number grid's cell: integers as they are, others to 2 decimals at most, "−" for minus, −∞ for padding."""
    if np.isneginf(v):
        return "−∞"
    text = compact_number(v) if float(v).is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")
    return text.replace("-", "−")


def decimals(v: float, places: int) -> str:
    """Fixed decimals: decimals(0.57613, 4) == "0.5761"."""
    return f"{v:.{places}f}"


def significant(v: float, digits: int) -> str:
    """Significant digits, plain or with an exponent as Python writes it: significant(8369.2, 4) == "8369"."""
    return f"{v:.{digits}g}"


def percent(share: float, places: int) -> str:
    """A share as a percentage: percent(0.98551, 2) == "98.55%"."""
    return f"{share:.{places}%}"


def thousands(count: int) -> str:
    """A count with thousands separators: 1,234."""
    return f"{count:,}"


def exponent(v: float, places: int) -> str:
    """A small difference in exponent form: exponent(3.2e-07, 1) == "3.2e-07"."""
    return f"{v:.{places}e}"


def latex_number(v: float, padded: bool = False, paren: bool = True) -> str:
    """A number inside a formula: compact, negative terms in parentheses, padded cells grey, -inf as -∞."""
    text = "-\\infty" if np.isneginf(v) else compact_number(float(v))
    if text.startswith("-") and not padded and paren:
        text = f"({text})"
    return f"\\color{{gray}}{{{text}}}" if padded else text


def latex_magnitude(v: float) -> str:
    """4 significant digits; very large or small numbers as a × 10^b (LaTeX), never "1.5e+14"."""
    v = float(v)
    if v == 0 or 1e-3 <= abs(v) < 1e5:
        return significant(v, 4)
    mantissa, power = exponent(v, 3).split("e")
    return f"{mantissa} \\times 10^{{{int(power)}}}"


def latex_vector(v: np.ndarray) -> str:
    """A column vector, 2 decimals per entry."""
    return r"\begin{bmatrix}" + r"\\".join(decimals(x, 2) for x in np.asarray(v).reshape(-1)) + r"\end{bmatrix}"


def latex_matrix(m: np.ndarray) -> str:
    """A matrix, 2 decimals per entry."""
    rows = [" & ".join(decimals(x, 2) for x in row) for row in np.asarray(m)]
    return r"\begin{bmatrix}" + r"\\".join(rows) + r"\end{bmatrix}"


# ---------------------------------------------------------------- shapes and parameters

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
            f" \\cdot {filters} = \\underbrace{{{thousands(weights)}}}_{{\\text{{{weights_label}}}}} + "
            f"\\underbrace{{{thousands(filters)}}}_{{\\text{{{biases_label}}}}} = {thousands(total)}"
            ).replace(",", "{,}")


# ---------------------------------------------------------------- one output cell, written out

def conv_step_latex(step: WindowStep, activation: str = "linear") -> str:
    """y[r, c] = sum of input x weight, one kernel row per line; padded zeros in grey."""
    kh, kw = step.values.shape
    lines = []
    for a in range(kh):
        terms = " + ".join(f"{latex_number(step.values[a, b], bool(step.is_pad[a, b]))} \\cdot "
                           f"{latex_number(step.weights[a, b])}" for b in range(kw))
        lines.append((f"y_{{{step.row},{step.col}}} &= " if a == 0 else "&\\quad + ") + terms)
    z = compact_number(step.pre_activation)
    lines.append(f"&\\quad + \\underbrace{{{latex_number(step.bias)}}}_{{b}} = {z}")
    if activation != "linear":  # Keras' activation=None leaves the sum as it is
        lines.append(f"\\operatorname{{{activation}}}({z}) &= {compact_number(step.result)}")
    return "\\begin{aligned}" + " \\\\ ".join(lines) + "\\end{aligned}"


def pool_step_latex(step: WindowStep) -> str:
    """y[r, c] = max(window) with the winner in bold; padded cells as grey -inf."""
    flat = [(v, bool(p)) for v, p in zip(step.values.ravel(), step.is_pad.ravel(), strict=True)]
    win = int(np.argmax(step.values))
    terms = [latex_number(v, p, False) for v, p in flat]
    terms[win] = f"\\boldsymbol{{{terms[win]}}}"
    return f"y_{{{step.row},{step.col}}} = \\max({', '.join(terms)}) = {compact_number(step.result)}"


def softmax_latex(steps: SoftmaxSteps) -> str:
    """p_k = e^{z_k} / Σ e^{z_j} with the numbers of the predicted digit k."""
    k = steps.predicted
    shift = f" - {decimals(steps.shift, 2)}" if steps.shift else ""
    return (f"p_{{{k}}} = \\frac{{e^{{z_{{{k}}}{shift}}}}}{{\\sum_j e^{{z_j{shift}}}}}"
            f" = \\frac{{{latex_magnitude(steps.exps[k])}}}{{{latex_magnitude(steps.total)}}}"
            f" = {decimals(steps.probabilities[k], 4)}")


def rnn_step_latex(step, W: np.ndarray, U: np.ndarray) -> list[str]:  # noqa: N803 - textbook names
    """A SimpleRNN step (cnnlab.rnn_cells.RnnStep): the formula, the same with the real numbers, the result.

    One LaTeX line each. \\Bigl( ... \\Bigr), not \\left( ... \\right): the "+" inside stay breakable, so a
    narrow screen wraps the line.
    """
    t, p = step.t, step.t - 1
    x = ", ".join(decimals(v, 2) for v in step.x)
    return [
        rf"h_{{{t}}} = \tanh\left(W x_{{{t}}} + U h_{{{p}}} + b\right)",
        rf"= \tanh\Bigl({latex_matrix(W)}\,({x}) + {latex_matrix(U)}{latex_vector(step.h_prev)} + {latex_vector(step.b)}\Bigr)",
        rf"= \tanh\Bigl({latex_vector(step.wx)} + {latex_vector(step.uh)} + {latex_vector(step.b)}\Bigr)"
        rf"= \tanh{latex_vector(step.pre)} = {latex_vector(step.h)}",
    ]


# ---------------------------------------------------------------- a recurrent layer reading a digit

_GATE_FUNCTION = {"h": r"\tanh", "g": r"\tanh", "i": r"\sigma", "f": r"\sigma", "o": r"\sigma", "z": r"\sigma",
                  "r": r"\sigma"}
_GATE_SYMBOL = {"h": "h", "g": "g", "i": "i", "f": "f", "o": "o", "z": "z", "r": "r"}

CELL_FORMULAS = {
    "SimpleRNN": [r"h_t = \tanh\left(W x_t + U h_{t-1} + b\right)"],
    "LSTM": [r"i_t = \sigma\left(W_i x_t + U_i h_{t-1} + b_i\right),\quad f_t = \sigma\left(W_f x_t + U_f h_{t-1} + b_f\right),"
             r"\quad o_t = \sigma\left(W_o x_t + U_o h_{t-1} + b_o\right)",
             r"g_t = \tanh\left(W_g x_t + U_g h_{t-1} + b_g\right)",
             r"c_t = f_t \odot c_{t-1} + i_t \odot g_t,\qquad h_t = o_t \odot \tanh(c_t)"],
    "GRU": [r"z_t = \sigma\left(W_z x_t + U_z h_{t-1} + b_z\right),\quad r_t = \sigma\left(W_r x_t + U_r h_{t-1} + b_r\right)",
            r"g_t = \tanh\left(W_g x_t + r_t \odot (U_g h_{t-1} + b'_g) + b_g\right)",
            r"h_t = z_t \odot h_{t-1} + (1 - z_t) \odot g_t"],
}


def _n(v: float) -> str:
    """A term of a sum with 3 decimals, negative ones in parentheses."""
    text = decimals(v, 3)
    return f"({text})" if text.startswith("-") else text


def _product_sum(pairs, shown: int) -> str:
    """w·x + w·x + … for the `shown` (weight, input) pairs that add most (largest |w·x|), then "+ ⋯₍₊ₙ₎"."""
    pairs = sorted(pairs, key=lambda pair: -abs(pair[0] * pair[1]))
    terms = [f"{_n(w)} \\cdot {_n(x)}" for w, x in pairs[:shown]]
    if len(pairs) > shown:
        terms.append(rf"\cdots_{{(+{len(pairs) - shown})}}")
    return " + ".join(terms) if terms else "0"


def unit_step_latex(kind: str, t: int, j: int, terms, pixels, state: dict, shown_pixels: int = 3) -> list[str]:
    """Unit j at step t with its real numbers, one LaTeX line per gate and per state (\\Bigl( \\Bigr), not
    \\left( \\right): a narrow screen may wrap the line at a "+").

    terms: cnnlab.rnn_cells.unit_terms; pixels: the (weight, x_{t,i}) pairs of the row's inked pixels (the
    others are 0 and add nothing), written out for the first gate; state: "h_prev", "h" and for an LSTM
    "c_prev", "c" (unit j's values).
    """
    p, idx = t - 1, f"[{j}]"
    lines = []
    for k, g in enumerate(terms):
        fn, sym = _GATE_FUNCTION[g.name], _GATE_SYMBOL[g.name]
        x_part = _n(g.x_part)
        if k == 0 and pixels:  # the first gate's W·x written out: the row's inked pixels
            x_part = rf"\underbrace{{{_product_sum(pixels, shown_pixels)}}}_{{= {x_part}}}"
        lines.append(rf"{sym}_{{{t}}}{idx} = {fn}\Bigl({x_part} + {_n(g.h_part)} + {_n(g.bias)}\Bigr)"
                     rf" = {fn}({decimals(g.pre, 3)}) = {decimals(g.value, 3)}")
    value = {g.name: decimals(g.value, 3) for g in terms}
    h, h_prev = decimals(state["h"], 3), _n(state["h_prev"])
    if kind == "LSTM":
        c, c_prev = decimals(state["c"], 3), _n(state["c_prev"])
        lines.append(rf"c_{{{t}}}{idx} = f \cdot c_{{{p}}}{idx} + i \cdot g = {value['f']} \cdot {c_prev} + "
                     rf"{value['i']} \cdot {_n(float(value['g']))} = {c}")
        lines.append(rf"h_{{{t}}}{idx} = o \cdot \tanh(c_{{{t}}}{idx}) = {value['o']} \cdot \tanh({c}) = {h}")
    elif kind == "GRU":
        lines.append(rf"h_{{{t}}}{idx} = z \cdot h_{{{p}}}{idx} + (1 - z) \cdot g = {value['z']} \cdot {h_prev} + "
                     rf"(1 - {value['z']}) \cdot {_n(float(value['g']))} = {h}")
    return lines
