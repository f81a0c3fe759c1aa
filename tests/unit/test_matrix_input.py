"""The pooling editor's matrix: every bad cell is named, resizing keeps the values."""

from __future__ import annotations

from cnnlab import matrix_input


def test_parse_matrix_names_every_bad_cell():
    m, problems = matrix_input.parse_matrix([["1", "2"], ["", "x"], ["3.5", None]])
    assert m is None
    assert [(p.row, p.col, p.kind) for p in problems] == [(2, 1, "blank"), (2, 2, "not_a_number"), (3, 2, "blank")]
    m, problems = matrix_input.parse_matrix([["1", " -2,5 "], [3, 4.0]])
    assert problems == [] and m.tolist() == [[1, -2.5], [3, 4]]
    assert matrix_input.parse_matrix([["inf"]])[1][0].kind == "not_a_number"
    assert matrix_input.resize_matrix([["1", "2"], ["3", "4"]], 3, 1) == [["1"], ["3"], ["0"]]
