"""Take it home: each page's notebook runs (nbclient, a real Jupyter kernel) and prints the page's numbers.

The page's numbers come from the pages' own arithmetic (cnnlab.shapes, conv_ops, architecture,
sequence_experiment, all checked against Keras elsewhere); the notebook's from Keras running its code.
"""

from __future__ import annotations

import io
import re
import zipfile

import nbclient
import nbformat
import numpy as np
import pytest

from cnnlab import architecture, conv_ops, notebook, recipe
from cnnlab import sequence_experiment as experiment
from cnnlab.conv_ops import ConvSettings, PoolSettings
from cnnlab.data import BUNDLED_PATH

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def run(nb: nbformat.NotebookNode, folder=None) -> str:
    """Execute the notebook in a fresh kernel (in `folder`) and return every text it showed, colours removed."""
    resources = {"metadata": {"path": str(folder)}} if folder is not None else {}
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources=resources).execute()
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", out
            texts.append(out.get("text", "") if out.output_type == "stream" else out.get("data", {}).get("text/plain", ""))
    return ANSI.sub("", "\n".join(texts))


def markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_the_conv2d_notebook_prints_the_pages_output_shape():
    settings = ConvSettings(input_shape=(2, 9, 11, 3), filters=4, kernel_size=(3, 2), strides=(2, 1),
                            padding="same", dilation_rate=(1, 1), activation="tanh")
    nb = notebook.conv2d(settings, "ko")
    assert "Conv2D 탐색기" in markdown(nb) and str(settings.output_shape()) in markdown(nb)
    out = run(nb)
    assert str(settings.output_shape()) == "(2, 5, 11, 4)" and "(2, 5, 11, 4)" in out


def test_the_pooling_notebook_prints_the_pages_pooled_matrix():
    matrix = np.random.default_rng(3).integers(-9, 10, size=(5, 6)).astype(np.float32)
    settings = PoolSettings(pool_size=(2, 2), strides=(1, 2), padding="same")
    pooled = conv_ops.max_pool_forward(matrix[None, :, :, None], (2, 2), (1, 2), "same")[0, :, :, 0]
    out = run(notebook.pooling(matrix, settings, "en"))
    printed = out[out.index("tf.Tensor("):]
    values = [float(v) for v in NUMBER.findall(printed.split("shape=")[0])]
    assert np.array_equal(np.array(values).reshape(pooled.shape), pooled)
    assert f"shape=(1, {pooled.shape[0]}, {pooled.shape[1]}, 1)" in printed


def test_the_model_notebook_summary_has_the_pages_shapes_and_parameter_count():
    stack = architecture.chapter_spec()
    analysis = architecture.analyze(stack)
    out = run(notebook.model(stack, "en"))
    assert f"Total params: {analysis.total_params:,}" in out
    for report in analysis.layers:
        shape = "(" + ", ".join("None" if d is None else str(d) for d in report.output_shape) + ")"
        assert shape in out, shape


def test_the_training_notebook_comes_with_its_digits_and_trains_offline(tmp_path):
    stack = architecture.chapter_spec()
    config = recipe.TrainConfig(epochs=1, batch_size=64, data_fraction=0.05, validation_split=0.1)
    nb = notebook.training(stack, config, "bundled", 8000, "en")
    archive = zipfile.ZipFile(io.BytesIO(notebook.training_zip(nb)))
    assert sorted(archive.namelist()) == ["cnnlab_train.ipynb", "mnist_subset.npz"]
    assert archive.read("mnist_subset.npz") == BUNDLED_PATH.read_bytes()
    archive.extractall(tmp_path)
    unzipped = nbformat.read(tmp_path / "cnnlab_train.ipynb", as_version=4)
    assert "mnist_subset.npz" in markdown(unzipped)
    out = run(unzipped, tmp_path)
    accuracy = float(NUMBER.findall(out.strip().splitlines()[-1])[-1])
    assert 0.0 <= accuracy <= 1.0
    assert f"{-(-2000 // 32)}/{-(-2000 // 32)}" in out  # evaluated on the 2,000 bundled test digits, batch 32


def test_the_sequences_notebook_prints_each_models_parameters():
    settings = experiment.ExperimentSettings(series="sine_noise", window=6, units=4, epochs=2,
                                             kinds=("dense", "rnn", "lstm"), n_windows=120)
    out = run(notebook.sequences(settings, "en"))
    for kind in settings.kinds:
        line = next(line for line in out.splitlines() if line.startswith(f"{kind} "))
        params, mse = int(line.split()[1]), float(line.split()[-1])
        assert params == experiment.total_params(kind, settings.window, settings.units)
        assert np.isfinite(mse) and mse >= 0


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_notebook_is_valid_and_written_in_the_pages_language(lang):
    stack = architecture.chapter_spec()
    books = [notebook.conv2d(ConvSettings(), lang), notebook.pooling(np.eye(4), PoolSettings(), lang),
             notebook.model(stack, lang), notebook.training(stack, recipe.TrainConfig(), "keras", 60000, lang),
             notebook.sequences(experiment.ExperimentSettings(), lang)]
    for nb in books:
        nbformat.validate(nb)
        again = nbformat.reads(notebook.to_bytes(nb).decode("utf-8"), as_version=4)
        assert [c.source for c in again.cells] == [c.source for c in nb.cells]
        has_hangul = bool(re.search(r"[\uac00-\ud7a3]", markdown(nb)))
        assert has_hangul == (lang == "ko")
    assert "load_data()" in markdown(books[3])  # full MNIST: said how it gets there
