"""A small frame with every kind of column and nulls, and the environment `when` expressions are tested on."""

from __future__ import annotations

import numpy as np
import pandas as pd

FRAME = pd.DataFrame(
    {
        "a": [1.0, np.nan, 3.0, 0.0],
        "b": [2.0, 2.0, np.nan, 0.0],
        "s": pd.Series(["x", None, "y", "x"], dtype="str"),
        "f": [True, False, True, False],
        "maybe": pd.Series([True, None, False, None], dtype=object),
        "d": pd.to_datetime(["2026-01-01", None, "2027-01-01", "2026-06-01"]).astype("datetime64[s]"),
    }
)
ENV = {"p": 2, "as_of": pd.Timestamp("2026-06-01"), "t": None}
