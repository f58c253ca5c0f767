"""Small shared helpers: seeded random streams, dates and Arrow columns."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

# Stream identifiers: every part of the generator draws from its own stream, so changing
# one part (or the chunking) never shifts the numbers another part sees.
STREAM_DIMS = 1
STREAM_PLAN = 2
STREAM_CHUNK = 3
STREAM_SUPPLY = 4
STREAM_SALES = 5
STREAM_BATCHES = 6
STREAM_STORY = 7

SECONDS_PER_DAY = 86_400


def rng_for(seed: int, *keys: int) -> np.random.Generator:
    """An independent, reproducible random stream for (seed, keys...)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), *[int(k) for k in keys]]))


def to_day(d: dt.date) -> np.datetime64:
    """A date as numpy datetime64[D]."""
    return np.datetime64(d.isoformat(), "D")


def day_seconds(days: np.ndarray) -> np.ndarray:
    """datetime64[D] array -> int64 epoch seconds at midnight."""
    return days.astype("datetime64[D]").astype(np.int64) * SECONDS_PER_DAY


def ts_array(seconds: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Epoch seconds -> Arrow timestamp[s] (mask marks NULLs)."""
    return pa.array(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"), type=pa.timestamp("s"),
                    mask=mask)


def date_array(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """datetime64[D] (or int days since epoch) -> Arrow date32 (mask marks NULLs)."""
    arr = np.asarray(days)
    if arr.dtype.kind != "M":
        arr = arr.astype(np.int64).astype("datetime64[D]")
    return pa.array(arr.astype("datetime64[D]"), type=pa.date32(), mask=mask)


def dict_array(indices: np.ndarray, dictionary: list[str] | np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Strings encoded as indices into a dictionary: cheap for millions of repeated ids."""
    idx = pa.array(np.asarray(indices, dtype=np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(idx, pa.array(list(dictionary), type=pa.string()))


def weighted_choice(rng: np.random.Generator, cdf: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Vectorised categorical draw: cdf is (groups, k) cumulative, rows picks the group per draw."""
    u = rng.random(len(rows))
    return (u[:, None] >= cdf[rows]).sum(axis=1).clip(0, cdf.shape[1] - 1)
