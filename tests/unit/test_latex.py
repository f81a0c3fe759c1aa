"""Formulas with the user's numbers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from cnnlab import latex, shapes


def test_formula_latex_has_the_users_numbers():
    valid = latex.conv_axis_latex(28, 3, 1, "valid", 1, "H")
    assert "\\frac{28 - 3}{1}" in valid and valid.endswith("= 26")
    dilated = latex.conv_axis_latex(28, 3, 1, "valid", 2, "W")
    assert "28 - 2\\cdot(3-1) - 1" in dilated and dilated.endswith(f"= {shapes.conv_output_length(28, 3, 1, 'valid', 2)}")
    same = latex.conv_axis_latex(28, 3, 3, "same", 1, "H")
    assert "\\frac{28}{3}" in same and same.endswith("= 10")
    params = latex.conv2d_params_latex(3, 3, 2)
    assert "(3 \\cdot 3 \\cdot 3 + 1)" in params and params.endswith("= 56")


def test_each_number_format_writes_the_value_as_the_pages_show_it():
    assert [latex.compact_number(v) for v in (5.0, -0.25, 1 / 3, float("-inf"), 12345.678)] == \
        ["5", "-0.25", "0.333", "-inf", "1.23e+04"]
    assert [latex.grid_number(v) for v in (3.0, -2.0, 0.125, -0.5, 2.999, float("-inf"))] == \
        ["3", "−2", "0.12", "−0.5", "3", "−∞"]
    assert (latex.decimals(0.57613, 4), latex.significant(8369.2, 4), latex.percent(0.98551, 2)) == \
        ("0.5761", "8369", "98.55%")
    assert (latex.thousands(1234567), latex.exponent(3.2e-07, 1)) == ("1,234,567", "3.2e-07")
    assert [latex.latex_number(v, padded) for v, padded in ((-0.5, False), (0.0, True), (float("-inf"), True))] == \
        ["(-0.5)", "\\color{gray}{0}", "\\color{gray}{-\\infty}"]
    assert [latex.latex_magnitude(v) for v in (0.0, 8369.2, 1.4712e14, 2.1e-07)] == \
        ["0", "8369", "1.471 \\times 10^{14}", "2.100 \\times 10^{-7}"]


def test_a_conv_cell_is_written_out_with_its_activation_only_when_it_has_one():
    from cnnlab import step_through

    image = np.arange(9, dtype=np.float32).reshape(3, 3) - 4
    kernel = np.array([[1, -1], [0.5, 2]], dtype=np.float32)
    step = step_through.conv_step(image, kernel, 0, 1, bias=-0.25, activation="relu")
    # window [[-3, -2], [0, 1]] · kernel: -3 + 2 + 0 + 2 = 1, + bias -0.25 = 0.75
    expected = ("y_{0,1} &= (-3) \\cdot 1 + (-2) \\cdot (-1) \\\\ &\\quad + 0 \\cdot 0.5 + 1 \\cdot 2 \\\\ "
                "&\\quad + \\underbrace{(-0.25)}_{b} = 0.75")
    assert latex.conv_step_latex(step, "relu") == \
        f"\\begin{{aligned}}{expected} \\\\ \\operatorname{{relu}}(0.75) &= 0.75\\end{{aligned}}"
    assert latex.conv_step_latex(step, "linear") == f"\\begin{{aligned}}{expected}\\end{{aligned}}"


def test_softmax_and_rnn_steps_are_written_with_their_numbers():
    from cnnlab import network_trace

    steps = network_trace.softmax_of(np.array([2.0, 0.0, 1.0]))
    total = np.exp(2.0) + 1 + np.exp(1.0)
    assert latex.softmax_latex(steps) == (
        "p_{0} = \\frac{e^{z_{0}}}{\\sum_j e^{z_j}}"
        f" = \\frac{{{np.exp(2.0):.4g}}}{{{total:.4g}}} = {np.exp(2.0) / total:.4f}")
    shifted = latex.softmax_latex(network_trace.softmax_of(np.array([100.0, 90.0])))
    assert "e^{z_{0} - 100.00}" in shifted and shifted.endswith("= 1.0000")

    # a SimpleRNN step with 1 input and 2 units (only the attributes the formula reads)
    step = SimpleNamespace(t=2, x=np.array([-1.0]), h_prev=np.array([0.5, 0.25]), wx=np.array([-1.0, 2.0]),
                           uh=np.array([0.25, 0.0]), b=np.array([0.0, 0.125]), pre=np.array([-0.75, 2.125]),
                           h=np.tanh([-0.75, 2.125]))
    lines = latex.rnn_step_latex(step, np.array([[1.0], [-2.0]]), np.array([[0.5, 0.0], [0.0, 0.5]]))
    assert lines[0] == "h_{2} = \\tanh\\left(W x_{2} + U h_{1} + b\\right)"
    assert lines[1].startswith("= \\tanh\\Bigl(\\begin{bmatrix}1.00\\\\-2.00\\end{bmatrix}\\,(-1.00) + ")
    assert lines[2].endswith("= \\tanh\\begin{bmatrix}-0.75\\\\2.12\\end{bmatrix} = "
                             "\\begin{bmatrix}-0.64\\\\0.97\\end{bmatrix}")
