"""Draw the app's favicon, assets/favicon.png: a 3x3 grid (a feature map) in the theme's blue.

Shipped as a file because a `:material/...:` page icon is fetched by the browser from a font CDN,
which fails offline. Run: .venv/bin/python scripts/make_favicon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "assets" / "favicon.png"
SIZE = 64
BLUE = (50, 102, 200, 255)  # .streamlit/config.toml primaryColor #3266c8
CELL_SHADES = (0.35, 0.6, 0.9, 0.6, 1.0, 0.75, 0.9, 0.75, 0.45)  # a small "feature map": brighter = stronger


def draw(size: int = SIZE) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin, line = size // 16, max(2, size // 16)
    pen.rounded_rectangle([margin, margin, size - 1 - margin, size - 1 - margin], radius=size // 8, fill=BLUE)
    inner = size - 2 * margin - 2 * line
    cell = (inner - 2 * line) / 3
    for index, shade in enumerate(CELL_SHADES):
        row, col = divmod(index, 3)
        x0 = margin + line + col * (cell + line)
        y0 = margin + line + row * (cell + line)
        colour = tuple(round(b + (255 - b) * shade) for b in BLUE[:3]) + (255,)  # blue -> white
        pen.rectangle([round(x0), round(y0), round(x0 + cell) - 1, round(y0 + cell) - 1], fill=colour)
    return image


if __name__ == "__main__":
    draw().save(OUT, optimize=True)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
