"""Draw page: server-side work for one drawing vs `model.predict`, and drawn-digit accuracy.

1. Latency, measured side by side in one run on the same drawings:
   - page path: decode the canvas's PNG data URL -> MNIST-style preprocessing ->
     the model called directly (cnnlab.models.predict_proba);
   - `model.predict` alone on the same, already preprocessed 28x28 input.
   Target: the whole page path at most 0.25x of `predict`, and under 15 ms.
2. Accuracy of the shipped model on the seeded synthetic drawn-digit set
   (target >= 97 %), with the misread digits listed, and on the bundled held-out
   MNIST digits (target >= 98.5 %).

Run: .venv/bin/python benchmarks/bench_draw.py [--n-drawn 400] [--repeats 60]
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from cnnlab import models, preprocess  # noqa: E402
from cnnlab.data import load_bundled, to_model_input  # noqa: E402
from cnnlab.drawn_digits import drawn_digits  # noqa: E402


def data_url(image: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def median_ms(fn, inputs, repeats: int) -> float:
    times = []
    for i in range(repeats):
        x = inputs[i % len(inputs)]
        t0 = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--n-drawn", type=int, default=240)
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args()

    model = models.load_pretrained()
    samples = drawn_digits(24, seed=99)
    urls = [data_url(d.image) for d in samples]
    inputs = [preprocess.preprocess(d.image)[None, ..., None] for d in samples]

    def page_path(url: str) -> int:
        image = preprocess.decode_data_url(url)
        x = preprocess.preprocess(image)
        return int(models.predict_proba(model, x).argmax())

    def predict_only(x: np.ndarray) -> int:
        return int(model.predict(x, verbose=0).argmax())

    for fn, xs in ((page_path, urls), (predict_only, inputs)):  # warm up both (graph tracing, caches)
        for x in xs[:5]:
            fn(x)
    # interleave the two in rounds so a noisy neighbour on the shared cores hits both alike
    page_ms, predict_ms, decode_ms, prep_ms, infer_ms = [], [], [], [], []
    for _ in range(3):
        page_ms.append(median_ms(page_path, urls, args.repeats // 3))
        predict_ms.append(median_ms(predict_only, inputs, args.repeats // 3))
        decode_ms.append(median_ms(preprocess.decode_data_url, urls, args.repeats // 3))
        images = [preprocess.decode_data_url(u) for u in urls]
        prep_ms.append(median_ms(preprocess.preprocess, images, args.repeats // 3))
        infer_ms.append(median_ms(lambda x: models.predict_proba(model, x), inputs, args.repeats // 3))
    page, predict = statistics.median(page_ms), statistics.median(predict_ms)
    print("one drawing, server side (median of rounds of medians):")
    print(f"  decode PNG data URL    {statistics.median(decode_ms):6.2f} ms")
    print(f"  MNIST preprocessing    {statistics.median(prep_ms):6.2f} ms")
    print(f"  model called directly  {statistics.median(infer_ms):6.2f} ms")
    print(f"  page path (all three)  {page:6.2f} ms   target < 15 ms: {'OK' if page < 15 else 'MISSED'}")
    print(f"  model.predict alone    {predict:6.2f} ms")
    print(f"  ratio page / predict   {page / predict:6.2f}x   target <= 0.25x: {'OK' if page / predict <= 0.25 else 'MISSED'}")

    digits = drawn_digits(args.n_drawn, seed=args.seed)
    x = np.stack([preprocess.preprocess(d.image) for d in digits])
    pred = models.predict_proba(model, x).argmax(axis=1)
    labels = np.array([d.label for d in digits])
    acc = float((pred == labels).mean())
    print(f"\ndrawn digits (seed {args.seed}): {acc:.1%} of {len(digits)} read correctly   "
          f"target >= 97%: {'OK' if acc >= 0.97 else 'MISSED'}")
    for d, p in zip(digits, pred, strict=True):
        if p != d.label:
            print(f"  misread {d.style:<14} as {p}  (stroke {d.stroke_width} px, height {d.height_px:.0f} px)")
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (labels, pred), 1)
    if (pred != labels).any():
        print("  confusion (rows: drawn, columns: read):")
        print("     " + " ".join(f"{c:3d}" for c in range(10)))
        for r in range(10):
            print(f"  {r}: " + " ".join(f"{v:3d}" for v in confusion[r]))

    data = load_bundled()
    held_out = float((models.predict_proba(model, to_model_input(data.x_test)).argmax(1) == data.y_test).mean())
    print(f"bundled held-out MNIST: {held_out:.2%} of {len(data.x_test):,}   "
          f"target >= 98.5%: {'OK' if held_out >= 0.985 else 'MISSED'}")


if __name__ == "__main__":
    main()
