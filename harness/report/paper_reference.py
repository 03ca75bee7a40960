"""MicroNets (Banbury et al., MLSys 2021) Table 4: the published latencies fixed models are placed against.

Latency is in seconds on the paper's three boards: S = NUCLEO-F446RE, M = NUCLEO-F746ZG,
L = NUCLEO-F767ZI (``None`` where the model does not fit the board). Mops are the paper's op
counts (one multiply or one add).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PaperModel:
    name: str
    mops: float
    flash_kb: float
    sram_kb: float
    latency_s: dict[str, float | None]  # by board letter S / M / L


# In the paper's row order.
TABLE4: tuple[PaperModel, ...] = (
    PaperModel("KWS-L", 129.0, 612, 208.8, {"S": None, "M": 0.610, "L": 0.596}),
    PaperModel("KWS-M", 30.6, 163, 103.3, {"S": 0.426, "M": 0.187, "L": 0.181}),
    PaperModel("KWS-S", 16.4, 102, 53.2, {"S": 0.250, "M": 0.109, "L": 0.108}),
    PaperModel("VWW-2", 5.3, 230, 69.5, {"S": 0.181, "M": 0.079, "L": 0.082}),
    PaperModel("VWW-4", 37.7, 416, 118.7, {"S": 0.726, "M": 0.31, "L": 0.298}),
    PaperModel("AD-S", 37.5, 253, 114.2, {"S": 0.457, "M": 0.192, "L": 0.194}),
    PaperModel("AD-M", 124.7, 464, 274.5, {"S": None, "M": 0.608, "L": 0.567}),
    PaperModel("DSCNN-S", 7.1, 49, 47.2, {"S": 0.131, "M": 0.058, "L": 0.058}),
)

BOARD_LETTERS: dict[str, str] = {"nucleo-f446re": "S", "nucleo-f746zg": "M", "nucleo-f767zi": "L"}

# The paper's S/M latency ratio over every model in Table 4.
PAPER_S_OVER_M_RATIO = (2.26, 2.38)

_NOISE_TOKENS = {"micronet", "micronets", "int8", "model", "tflite", "quant", "quantized", "mn"}
_BY_KEY = {re.sub(r"[^a-z0-9]", "", m.name.lower()): m for m in TABLE4}


def board_letter(board_name: str) -> str | None:
    """The paper's letter for a board or its twin (``nucleo-f446re@twin`` → ``S``)."""
    return BOARD_LETTERS.get(board_name.removesuffix("@twin"))


def paper_model_for(name: str) -> PaperModel | None:
    """The Table 4 row a model name or file name refers to (``micronets_kws_s.tflite`` → KWS-S), if any."""
    stem = name.rsplit("/", 1)[-1].lower()
    stem = re.sub(r"\.(tflite|tfl|h5|json)$", "", stem)
    tokens = [t for t in re.split(r"[^a-z0-9]+", stem) if t and t not in _NOISE_TOKENS]
    return _BY_KEY.get("".join(tokens))
