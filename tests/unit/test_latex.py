"""Formulas with the user's numbers."""

from __future__ import annotations

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
