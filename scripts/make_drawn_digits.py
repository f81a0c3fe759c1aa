"""Generate the synthetic drawn-digit test set, read it with a model, print the result.

The set itself lives in code (cnnlab/drawn_digits.py, seeded): nothing is stored.
This script shows it — a contact sheet of the canvases and of the 28×28 images the
model sees — and scores a model on it with the Draw page's preprocessing.

Usage:
    python scripts/make_drawn_digits.py                       # the shipped model, 240 digits
    python scripts/make_drawn_digits.py --model /tmp/m.keras --n 400 --sheet /tmp/drawn.png
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from cnnlab.drawn_digits import drawn_digits  # noqa: E402
from cnnlab.preprocess import preprocess  # noqa: E402


def evaluate(model, digits) -> tuple[float, np.ndarray, np.ndarray]:
    """Accuracy, predictions and the (n, 28, 28) model inputs for a list of DrawnDigit."""
    from cnnlab.images import one_image_batch
    from cnnlab.models import predict_proba

    x = np.stack([preprocess(d.image) for d in digits])
    pred = predict_proba(model, np.concatenate([one_image_batch(image) for image in x])).argmax(axis=1)
    labels = np.array([d.label for d in digits])
    return float((pred == labels).mean()), pred, x


def failures_report(digits, pred) -> str:
    lines = []
    for d, p in zip(digits, pred, strict=True):
        if p != d.label:
            lines.append(f"  {d.style:<16} read as {p}  (stroke {d.stroke_width:>2} px, height {d.height_px:.0f} px)")
    return "\n".join(lines)


def contact_sheet(digits, inputs, pred, path: Path, columns: int = 20) -> None:
    """Each digit as its canvas (shrunk to 56 px) above the 28x28 input, scaled 2x; misreads framed red."""
    from PIL import Image, ImageDraw

    rows = -(-len(digits) // columns)
    sheet = Image.new("RGB", (columns * 60, rows * 120), (40, 40, 40))
    draw = ImageDraw.Draw(sheet)
    for i, (d, x, p) in enumerate(zip(digits, inputs, pred, strict=True)):
        cx, cy = (i % columns) * 60 + 2, (i // columns) * 120 + 2
        sheet.paste(Image.fromarray(d.image[..., :3]).resize((56, 56), Image.Resampling.BOX), (cx, cy))
        sheet.paste(Image.fromarray((x * 255).astype(np.uint8)).resize((56, 56), Image.Resampling.NEAREST).convert("RGB"),
                    (cx, cy + 58))
        if p != d.label:
            draw.rectangle((cx - 2, cy - 2, cx + 57, cy + 115), outline=(230, 60, 40), width=2)
            draw.text((cx + 2, cy + 102), f"{d.label}->{p}", fill=(255, 200, 0))
    sheet.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=ROOT / "assets" / "mnist_cnn.keras")
    parser.add_argument("--n", type=int, default=240)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--sheet", type=Path, default=None, help="write a contact sheet PNG here")
    args = parser.parse_args()

    from cnnlab.models import load_keras_model

    model = load_keras_model(args.model)
    digits = drawn_digits(args.n, args.seed)
    acc, pred, inputs = evaluate(model, digits)
    print(f"{args.model.name}: {acc:.1%} of {len(digits)} drawn digits read correctly")
    report = failures_report(digits, pred)
    if report:
        print("misread:\n" + report)
    if args.sheet:
        contact_sheet(digits, inputs, pred, args.sheet)
        print(f"wrote {args.sheet}")


if __name__ == "__main__":
    main()
