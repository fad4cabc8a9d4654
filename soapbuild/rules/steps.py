"""What names a next step in a Plan (C002): the phrases are data (data/next_steps.toml)."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources


@cache
def next_step() -> re.Pattern[str]:
    """One pattern of every phrase that names a next step, on whole words, any case."""
    text = resources.files("soapbuild").joinpath("data/next_steps.toml").read_text("utf-8")
    patterns = [entry["pattern"] for entry in tomllib.loads(text)["step"]]
    return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + r")\b", re.IGNORECASE)
