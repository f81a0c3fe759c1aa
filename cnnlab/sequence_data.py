"""Sequential data (chapter 10, section 1), generated and seeded, in numpy.

- Examples to look at: a stock-price-like random walk, a sentence as a sequence of tokens, a short
  audio-like waveform; shuffling shows that their order carries information.
- The experiment's data: generated series, cut into sliding windows (x = `window` past values,
  y = the next one), split in time order and standardised (`WindowData`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SERIES_KINDS = ("changing_wave", "sine_noise", "random_walk", "waves")
DEFAULT_WINDOWS = 600
TEST_FRACTION = 0.2
CHANGE_EVERY = 30  # steps between two periods of the changing_wave series


# ---------------------------------------------------------------- examples to look at

def stock_walk(n: int = 80, seed: int = 0, start: float = 100.0) -> np.ndarray:
    """A stock-price-like geometric random walk: each day's price is yesterday's times a small change."""
    rng = np.random.default_rng(seed)
    returns = rng.normal(0.001, 0.02, size=n - 1)
    return start * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))


def audio_wave(n: int = 240, seed: int = 0) -> np.ndarray:
    """A short audio-like waveform: a plucked note (two decaying tones) plus a little noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / n
    envelope = np.exp(-3.0 * t)
    tone = np.sin(2 * np.pi * 9 * t) + 0.45 * np.sin(2 * np.pi * 23 * t + 0.7)
    return envelope * tone + 0.03 * rng.normal(size=n)


def tokens(sentence: str) -> list[str]:
    """A sentence as a sequence of tokens (here: words separated by spaces)."""
    return sentence.split()


def shuffle_order(n: int, seed: int = 0) -> np.ndarray:
    """A seeded permutation of 0..n-1 that moves at least one element (for n > 1)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    while n > 1 and np.array_equal(order, np.arange(n)):
        order = rng.permutation(n)
    return order


def neighbour_correlation(values: Sequence[float]) -> float:
    """Correlation of each value with the one before it (lag-1 autocorrelation).

    Close to 1 when the past predicts the next value well; near 0 once the order is shuffled.
    """
    x = np.asarray(values, dtype=float)
    if x.size < 3 or np.std(x[:-1]) == 0 or np.std(x[1:]) == 0:
        return 0.0
    return float(np.corrcoef(x[:-1], x[1:])[0, 1])



# ---------------------------------------------------------------- the experiment's series and windows

def make_series(kind: str, n: int, seed: int = 0) -> np.ndarray:
    """A generated series of length n (float32).

    changing_wave: a sine whose period jumps to a new random value (8 to 40 steps) every
    CHANGE_EVERY steps, with a little noise: to predict it, a model must read the current
    period off the recent values; sine_noise: a sine with period 25 plus noise; random_walk:
    cumulative sum of Gaussian steps; waves: a sum of three sines with different periods.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    if kind == "changing_wave":
        periods = np.repeat(rng.uniform(8, 40, size=n // CHANGE_EVERY + 1), CHANGE_EVERY)[:n]
        y = np.sin(np.cumsum(2 * np.pi / periods)) + 0.02 * rng.normal(size=n)
    elif kind == "sine_noise":
        y = np.sin(2 * np.pi * t / 25) + 0.15 * rng.normal(size=n)
    elif kind == "random_walk":
        y = np.cumsum(rng.normal(0.0, 1.0, size=n)) * 0.2
    elif kind == "waves":
        y = np.sin(2 * np.pi * t / 40) + 0.5 * np.sin(2 * np.pi * t / 13 + 1.0) + 0.3 * np.sin(2 * np.pi * t / 7)
    else:
        raise ValueError(f"unknown series kind {kind!r}; expected one of {SERIES_KINDS}")
    return y.astype(np.float32)


def make_windows(series: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Sliding windows: x[i] = series[i : i+window] (n-window, window), y[i] = series[i+window] (n-window,)."""
    series = np.asarray(series)
    if window < 1:
        raise ValueError("window must be at least 1")
    if len(series) <= window:
        raise ValueError(f"series of length {len(series)} is too short for window {window}")
    x = np.lib.stride_tricks.sliding_window_view(series[:-1], window).copy()
    y = series[window:].copy()
    return x, y


@dataclass(frozen=True)
class WindowData:
    """Windows split in time order: the first (1 - TEST_FRACTION) for training, the rest held out.

    x_* and y_* are standardised with the training part's mean and std (what the models see);
    `series` is the raw series, `split` the index in `series` of the first held-out target.
    """

    kind: str
    window: int
    series: np.ndarray
    x_train: np.ndarray  # (n_train, window)
    y_train: np.ndarray  # (n_train,)
    x_test: np.ndarray
    y_test: np.ndarray
    mean: float
    std: float

    @property
    def split(self) -> int:
        return self.window + len(self.y_train)

    def to_raw(self, values: np.ndarray) -> np.ndarray:
        return np.asarray(values) * self.std + self.mean


def prepare_data(kind: str, window: int, n_windows: int = DEFAULT_WINDOWS, seed: int = 0) -> WindowData:
    """The series for `kind`, cut into n_windows windows of length `window`, split and standardised."""
    series = make_series(kind, n_windows + window, seed)
    x, y = make_windows(series, window)
    n_train = int(round(len(y) * (1 - TEST_FRACTION)))
    mean = float(series[: n_train + window].mean())
    std = float(series[: n_train + window].std()) or 1.0
    xs, ys = (x - mean) / std, (y - mean) / std
    return WindowData(kind=kind, window=window, series=series, x_train=xs[:n_train].astype(np.float32),
                      y_train=ys[:n_train].astype(np.float32), x_test=xs[n_train:].astype(np.float32),
                      y_test=ys[n_train:].astype(np.float32), mean=mean, std=std)

