"""The teacher's view's numbers (cnnlab.class_results) and the export the teacher takes home.

The references: numpy's counts for the confusion matrix; the zip opened with zipfile, its .npz with numpy and
its CSV with csv, compared with the drawings the store gave back.
"""

from __future__ import annotations

import csv
import io
import secrets
import zipfile

import numpy as np

from cnnlab import class_results
from cnnlab import store as store_module
from tests.unit.test_store import digit_image, png_bytes


def test_the_confusion_matrix_counts_meant_by_read_and_a_cell_lists_its_drawings():
    meant = np.array([7, 7, 7, 1, 1, 3])
    read = np.array([7, 1, 7, 1, 7, 3])
    matrix = class_results.confusion(meant, read)
    assert matrix.sum() == 6 and matrix[7, 7] == 2 and matrix[7, 1] == 1 and matrix[1, 7] == 1
    assert np.trace(matrix) == int(np.sum(meant == read))
    assert class_results.in_cell(meant, read, 7, 1) == [1] and class_results.in_cell(meant, read, 1, 7) == [4]


def test_the_gallery_groups_by_digit_meant_with_the_misread_first():
    meant = np.array([7, 7, 7, 1, 1])
    read = np.array([7, 1, 7, 1, 4])
    assert class_results.gallery_order(meant, read) == {1: [4, 3], 7: [1, 2, 0]}


def test_the_export_holds_the_images_labels_pngs_and_a_csv_of_the_drawings(database_url):
    s = store_module.open_store(database_url)
    try:
        info, _ = s.create_class(secrets.token_hex(16), "export")
        ana = secrets.token_hex(16)
        s.join_class(ana, info.code, "=HYPERLINK(1)")
        for seed, digit in ((1, 7), (2, 3), (3, 3)):
            s.send_class_drawing(ana, png_bytes(seed), digit_image(seed), digit)
        drawings = s.class_drawings(info.id)
    finally:
        s.close()
    read = np.array([7, 5, 3])
    archive = zipfile.ZipFile(io.BytesIO(class_results.export_zip(drawings, read, "CNN")))
    assert sorted(archive.namelist()) == sorted(["drawings.npz", "drawings.csv", *(f"png/{d.id}.png" for d in drawings)])
    with np.load(io.BytesIO(archive.read("drawings.npz")), allow_pickle=False) as npz:
        np.testing.assert_array_equal(npz["images"], np.stack([d.image for d in drawings]))
        assert npz["images"].shape == (3, 28, 28) and npz["images"].dtype == np.float32
        assert npz["labels"].tolist() == [7, 3, 3] and npz["ids"].tolist() == [d.id for d in drawings]
        assert npz["read"].tolist() == [7, 5, 3]
    for d in drawings:
        assert archive.read(f"png/{d.id}.png") == d.png
    rows = list(csv.reader(io.StringIO(archive.read("drawings.csv").decode())))
    assert rows[0][:3] == ["id", "nickname", "digit_meant"]
    assert [r[0] for r in rows[1:]] == [str(d.id) for d in drawings]
    assert [r[2:4] for r in rows[1:]] == [["7", "7"], ["3", "5"], ["3", "3"]]
    assert rows[1][1] == "'=HYPERLINK(1)", "a nickname cannot become a spreadsheet formula"


def test_read_new_reads_only_the_drawings_it_has_not_read_and_agrees_with_reading_them_all():
    from cnnlab import models
    from cnnlab.data import load_bundled

    model = models.load_pretrained()
    images = [img.astype(np.float32) / 255 for img in load_bundled().x_test[:40]]  # 28x28 in [0, 1], as stored
    ids = list(range(100, 140))
    everything = class_results.read_images(model, images)
    seen = []

    def counting(x, training=False):
        seen.append(len(x))
        return model(x, training=training)

    earlier = class_results.read_images(model, images[:30])  # the view's last build: 30 drawings
    known = class_results.known_readings(ids[:30], earlier)
    now = class_results.read_new(counting, ids, images, known)
    assert seen == [10], "only the 10 new drawings go through the model"
    assert np.array_equal(now.predicted, everything.predicted)
    assert np.allclose(now.confidence, everything.confidence, atol=1e-6)
    # a deleted drawing drops out; the rest keep their readings without a model call
    seen.clear()
    kept = class_results.read_new(counting, ids[1:], images[1:], class_results.known_readings(ids, now))
    assert seen == [] and np.array_equal(kept.predicted, everything.predicted[1:])
