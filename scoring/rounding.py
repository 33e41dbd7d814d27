"""Round figures the way a reviewer with a calculator would."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value: float, places: int = 1) -> float:
    """Round to `places` decimals, halves away from zero, as the value is printed."""
    # repr() gives the shortest decimal that reads back as the same float, so
    # 2.675 rounds to 2.68 here whereas round() gives 2.67 (binary 2.67499...).
    quantum = Decimal(1).scaleb(-places)
    rounded = float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))
    return rounded + 0.0  # turn -0.0 into 0.0


def round1(value: float) -> float:
    """Round to one decimal, halves away from zero."""
    return round_half_up(value, 1)
