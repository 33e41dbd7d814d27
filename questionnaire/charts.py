"""Pictures drawn on the server as SVG: the world map of bands and the small charts' geometry.

No JavaScript is needed to see them: a page includes the SVG the templates
write from what this module computes (`templates/review/_charts.html`).

The map's country shapes are Natural Earth's Admin 0 countries at 1:50m
(public domain), simplified and shipped as `data/world.json`, keyed by ISO
3166-1 alpha-3 code (see `scripts/build_world_map.py` for where they come from
and how they were made).  They are projected once per process with the Equal
Earth projection (Šavrič, Patterson and Jenny, 2018: an equal-area projection
for world maps, so that large countries do not look larger than they are) into
SVG path data; a request only pairs each path with the country's band.
Countries too small to see at this scale also get a marker, so that every
country can be found (and pointed at).  The map itself is geographic: it is not
mirrored in right-to-left languages (legends and labels around it are).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

WORLD_FILE = Path(__file__).parent / "data" / "world.json"
MAP_WIDTH = 1000.0  # the map's viewBox width; its height follows the projection
SOUTH_LIMIT = -58.0  # degrees: the map stops above Antarctica (no member country there)
SMALL = 6.0  # viewBox units: a country whose shape is smaller than this also gets a marker

# Equal Earth's constants (Šavrič, Patterson and Jenny, 2018).
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Project a point (degrees) with the Equal Earth projection; x in ±2.7066, y in ±1.3173 (north up)."""
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


@dataclass(frozen=True)
class MapShape:
    """One country on the map: its SVG path (empty for a point only) and, if small, a marker's centre."""

    iso3: str
    path: str
    marker: tuple[float, float] | None


@dataclass(frozen=True)
class WorldShapes:
    """Every country's shape, projected into a viewBox of `width` × `height`, and land without a country."""

    width: float
    height: float
    countries: tuple[MapShape, ...]
    land: str  # territories drawn without a country (Kosovo, Northern Cyprus…), as one path

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:g} {self.height:g}"


def _path(rings: Sequence[Sequence[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        points = []
        last = None
        for x, y in ring:
            point = (round(x), round(y))  # a unit is a pixel or two on a screen: no need for decimals
            if point != last:
                points.append(f"{point[0]} {point[1]}")
                last = point
        if len(points) >= 3:
            parts.append("M" + "L".join(points) + "Z")
    return "".join(parts)


@lru_cache(maxsize=1)
def world_shapes() -> WorldShapes:
    """Return the projected shapes (computed once per process; the file does not change at run time)."""
    data = json.loads(WORLD_FILE.read_text(encoding="utf-8"))
    left, _ = equal_earth(-180, 0)
    right, _ = equal_earth(180, 0)
    _, top = equal_earth(0, 90)
    _, bottom = equal_earth(0, SOUTH_LIMIT)
    scale = MAP_WIDTH / (right - left)
    height = round((top - bottom) * scale, 1)

    def project(ring: Sequence[int]) -> list[tuple[float, float]]:
        points = []
        for n in range(0, len(ring) - 1, 2):
            x, y = equal_earth(ring[n] / 100, max(ring[n + 1] / 100, SOUTH_LIMIT))
            points.append(((x - left) * scale, (top - y) * scale))
        return points

    countries = []
    for iso3, rings in data["countries"].items():
        projected = [project(r) for r in rings]
        xs = [x for ring in projected for x, _ in ring]
        ys = [y for ring in projected for _, y in ring]
        small = max(max(xs) - min(xs), max(ys) - min(ys)) < SMALL
        centre = (round((max(xs) + min(xs)) / 2, 1), round((max(ys) + min(ys)) / 2, 1))
        path = _path(projected)
        countries.append(MapShape(iso3, path, centre if small or not path else None))
    for iso3, (longitude, latitude) in data.get("points", {}).items():
        x, y = equal_earth(longitude / 100, latitude / 100)
        countries.append(MapShape(iso3, "", (round((x - left) * scale, 1), round((top - y) * scale, 1))))
    land = _path([project(r) for r in data["land"]])
    return WorldShapes(MAP_WIDTH, height, tuple(sorted(countries, key=lambda c: c.iso3)), land)


# --------------------------------------------------------------------------
# Small charts
# --------------------------------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 64.0, 20.0, 2.5


@dataclass(frozen=True)
class Sparkline:
    """A country's overall score across cycles, drawn in a small box (0–100 from bottom to top)."""

    points: str  # the polyline's points
    dots: tuple[tuple[float, float], ...]  # one per cycle with a score, the last one the current cycle
    width: float = SPARK_WIDTH
    height: float = SPARK_HEIGHT


def sparkline(scores: Sequence[float | None]) -> Sparkline | None:
    """Return the sparkline of scores in time order (None for fewer than two scores)."""
    present = [(n, s) for n, s in enumerate(scores) if s is not None]
    if len(present) < 2:
        return None
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(scores) - 1, 1)
    dots = tuple(
        (round(SPARK_PAD + n * step, 1), round(SPARK_PAD + (100 - s) / 100 * (SPARK_HEIGHT - 2 * SPARK_PAD), 1))
        for n, s in present
    )
    return Sparkline(" ".join(f"{x:g},{y:g}" for x, y in dots), dots)


def share(value: float, maximum: float) -> float:
    """Return a bar's length in percent of the longest (0 for an empty chart)."""
    return round(100 * value / maximum, 2) if maximum > 0 else 0.0
