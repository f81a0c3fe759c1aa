"""Take it home: a page's settings as a Jupyter notebook that runs offline as-is (made with nbformat).

Each notebook is the page's own program (cnnlab.codegen: the very code the page shows) between
markdown cells in the page's language: what it reproduces, what it needs, and the numbers the page
showed, so a learner can check them. The Train page's notebook trains on the bundled digits: it comes
in a .zip with assets/mnist_subset.npz beside it (`training_zip`), which its first cell loads. When the
server trains on full MNIST (a download the operator made), the notebook loads it as the chapter does,
with `datasets.mnist.load_data()`: online once, then from Keras' cache.
"""

from __future__ import annotations

import io
import zipfile

import nbformat
import numpy as np
from nbformat import v4

from cnnlab import architecture, codegen, i18n, recipe, shapes
from cnnlab import sequence_experiment as experiment
from cnnlab.conv_ops import ConvSettings, PoolSettings, max_pool_forward
from cnnlab.data import BUNDLED_PATH

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


def _text(key: str, lang: str, **values) -> str:
    return i18n.translate(f"notebook.{key}", lang, **values)


def build(page: str, lang: str, code: str, expected: str, *, needs: str | None = None) -> nbformat.NotebookNode:
    """A notebook: a title and what it reproduces, what it needs, the page's program, what to expect."""
    title = i18n.translate(f"{page}.title", lang)
    cells = [v4.new_markdown_cell(f"# {title}\n\n{_text('intro', lang, page=title)}")]
    if needs:
        cells.append(v4.new_markdown_cell(needs))
    cells += [v4.new_code_cell(code), v4.new_markdown_cell(expected)]
    nb = v4.new_notebook(cells=cells, metadata={"kernelspec": KERNEL, "language_info": {"name": "python"}})
    nbformat.validate(nb)
    return nb


def conv2d(settings: ConvSettings, lang: str) -> nbformat.NotebookNode:
    expected = _text("expect_conv", lang, shape=settings.output_shape(), params=f"{settings.params():,}")
    return build("conv", lang, codegen.conv2d_code(settings), expected)


def pooling(matrix: np.ndarray, settings: PoolSettings, lang: str) -> nbformat.NotebookNode:
    matrix = np.asarray(matrix, dtype=np.float32)
    pooled = max_pool_forward(matrix[None, :, :, None], settings.pool_size, settings.strides, settings.padding)
    expected = _text("expect_pool", lang) + f"\n\n```\n{codegen.tf_print(pooled)}\n```"
    return build("pooling", lang, codegen.pool_code(matrix, settings), expected)


def model(stack, lang: str) -> nbformat.NotebookNode:
    analysis = architecture.analyze(stack)
    expected = _text("expect_model", lang, params=f"{analysis.total_params:,}",
                     shape=shapes.format_shape(analysis.output_shape))
    return build("model", lang, codegen.keras_code(stack), expected)


def training(stack, config: recipe.TrainConfig, source: str, train_size: int, lang: str) -> nbformat.NotebookNode:
    needs = _text("needs_bundled" if source == "bundled" else "needs_keras", lang)
    expected = _text("expect_train", lang, epochs=config.epochs,
                     params=f"{architecture.analyze(stack).total_params:,}")
    return build("train", lang, codegen.training_code(stack, config, source, train_size, lang=lang), expected,
                 needs=needs)


def sequences(settings: experiment.ExperimentSettings, lang: str) -> nbformat.NotebookNode:
    params = ", ".join(f"{kind} {experiment.total_params(kind, settings.window, settings.units):,}"
                       for kind in settings.kinds)
    return build("sequences", lang, codegen.experiment_code(settings, lang=lang), _text("expect_sequences", lang, params=params))


def to_bytes(nb: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def training_zip(nb: nbformat.NotebookNode, name: str = "cnnlab_train.ipynb") -> bytes:
    """The notebook and the bundled digits it loads (mnist_subset.npz), side by side in one .zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, to_bytes(nb))
        archive.write(BUNDLED_PATH, BUNDLED_PATH.name)
    return buffer.getvalue()
