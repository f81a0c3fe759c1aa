"""Walking a Sequential model layer by layer gives every layer's output for one image."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab import inspect_model, models
from cnnlab.drawn_digits import drawn_digits
from cnnlab.images import one_image_batch
from cnnlab.preprocess import preprocess


@pytest.fixture(scope="module")
def chapter_model():
    return models.load_pretrained()


def test_every_layer_of_the_chapter_model_in_order(chapter_model):
    image = preprocess(drawn_digits(3)[2].image)
    layers = inspect_model.layer_outputs(chapter_model, image)
    assert [(o.kind, o.shape) for o in layers] == [
        ("Conv2D", (26, 26, 32)), ("MaxPooling2D", (13, 13, 32)), ("Conv2D", (11, 11, 64)),
        ("MaxPooling2D", (5, 5, 64)), ("Conv2D", (3, 3, 64)), ("Flatten", (576,)), ("Dense", (64,)),
        ("Dense", (10,))]
    assert [o.is_spatial for o in layers] == [True] * 5 + [False] * 3
    np.testing.assert_allclose(layers[-1].output, models.predict_proba(chapter_model, one_image_batch(image))[0], atol=1e-5)
    # pooling keeps the largest value of each 2x2 window of the conv output before it
    conv, pool = layers[0].output, layers[1].output
    np.testing.assert_allclose(pool, conv[:26, :26].reshape(13, 2, 13, 2, 32).max(axis=(1, 3)), atol=1e-6)
    maps = layers[2].feature_maps(limit=10)
    assert len(maps) == 10 and maps[0].shape == (11, 11)
    with pytest.raises(ValueError):
        layers[6].feature_maps()


def test_any_sequential_model_is_walked_generically():
    import keras
    from keras import layers as kl

    model = keras.Sequential([keras.Input((28, 28, 1)), kl.Conv2D(4, 5, padding="same", activation="relu"),
                              kl.Dropout(0.5), kl.MaxPooling2D(4), kl.Flatten(), kl.Dense(3, activation="softmax")])
    outs = inspect_model.layer_outputs(model, np.ones((28, 28), np.float32))
    assert [(o.kind, o.shape) for o in outs] == [("Conv2D", (28, 28, 4)), ("Dropout", (28, 28, 4)),
                                                 ("MaxPooling2D", (7, 7, 4)), ("Flatten", (196,)), ("Dense", (3,))]
    np.testing.assert_allclose(outs[1].output, outs[0].output)  # dropout is off at inference
    assert inspect_model.shape_text(outs[2].shape) == "7×7×4"


def test_each_layer_names_its_activation_function():
    import keras
    from keras import layers as kl

    model = keras.Sequential([keras.Input((8, 8, 1)), kl.Conv2D(2, 3, activation="tanh"), kl.Conv2D(2, 3),
                              kl.MaxPooling2D(2), kl.Flatten(), kl.Dense(3, activation="softmax")])
    model.layers[0].set_weights([np.full((3, 3, 1, 2), -0.2, np.float32), np.zeros(2, np.float32)])  # responds < 0
    outs = inspect_model.layer_outputs(model, np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8))
    assert [o.activation for o in outs] == ["tanh", "linear", None, None, "softmax"]
    assert outs[0].output.min() < 0, "tanh keeps negative responses (the Draw page must not say 'after ReLU')"
    np.testing.assert_allclose(outs[-1].output, models.predict_proba(model, one_image_batch(np.linspace(0, 1, 64).reshape(8, 8)))[0],
                               atol=1e-6)


def test_the_chapter_model_convs_use_relu(chapter_model):
    outs = inspect_model.layer_outputs(chapter_model, np.zeros((28, 28), np.float32))
    assert [o.activation for o in outs if o.kind == "Conv2D"] == ["relu"] * 3


def test_the_probe_gives_what_calling_each_layer_gives_and_follows_new_weights():
    """One traced call of the probe model (same layers, same weights) instead of eight eager layer calls."""
    import keras
    from keras import layers as kl

    model = keras.Sequential([keras.Input((12, 12, 1)), kl.Conv2D(3, 3, activation="relu"), kl.Dropout(0.3),
                              kl.MaxPooling2D(2), kl.Flatten(), kl.Dense(4, activation="softmax")])
    image = np.random.default_rng(0).random((12, 12)).astype(np.float32)
    for _ in range(2):  # the second round after new weights: the probe reads the model's variables, not a copy
        walked = inspect_model._layer_by_layer(model.layers, one_image_batch(image))
        probed = inspect_model.layer_outputs(model, image)
        assert inspect_model._probes.get(model, {}).get("layers") is not None
        for out, expected in zip(probed, walked, strict=True):
            np.testing.assert_allclose(out.output, expected[0], atol=1e-5)
        model.set_weights([w + 0.1 for w in model.get_weights()])


def test_a_probe_does_not_keep_its_model_alive():
    """Each session's trained model gets a probe: it must go when the model goes (a closed session)."""
    import gc
    import weakref

    import keras
    from keras import layers as kl

    model = keras.Sequential([keras.Input((6, 6, 1)), kl.Conv2D(2, 3), kl.Flatten(), kl.Dense(2)])
    inspect_model.layer_outputs(model, np.ones((6, 6), np.float32))
    assert inspect_model._probes.get(model, {}).get("layers") is not None
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None
