"""Build questionnaire/data/world.json: country shapes for the comparison's world map.

Source: Natural Earth's Admin 0 countries at 1:50m (public domain, naturalearthdata.com),
version 4.1.0, as redistributed in TopoJSON by the npm package world-atlas 2.0.2
(`countries-50m.json`, ISC licence; features keyed by ISO 3166-1 numeric code).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/build_world_map.py package/countries-50m.json

The script decodes the topology, simplifies each shared arc once (Douglas–Peucker,
so neighbours keep a common border), drops islands too small to see on a world
map (a country always keeps its largest piece), keys each country by its ISO
3166-1 alpha-3 code (through questionnaire/data/countries.csv) and writes
longitude/latitude in hundredths of a degree.  Antarctica is left out (no member
country); shapes without a code (Kosovo, Northern Cyprus, Somaliland…) are kept
as land without a country, so the map has no holes.  Countries that Natural
Earth draws as part of another, or not at all, get a point (`points`) where the
map shows a small marker instead.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "questionnaire" / "data" / "world.json"
TOLERANCE = 0.12  # degrees: about a pixel on a 1,900 px wide world map
MIN_AREA = 0.08  # square degrees: smaller islands are dropped (a country keeps its largest piece)
# Members that Natural Earth's countries do not draw separately, placed by a point (lon, lat).
POINTS = {"TUV": (179.2, -8.5)}


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, keeping both ends (arcs meet there)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        best, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs(dy * (px - x1) - dx * (py - y1)) / length if length else math.hypot(px - x1, py - y1)
            if d > best:
                best, index = d, i
        if best > tolerance and index > 0:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_of(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    ring: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring += arc[1:] if ring else arc
    return ring


def unwrap(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Make longitudes continuous along a ring that crosses the antimeridian (they may leave ±180)."""
    found = [ring[0]]
    for x, y in ring[1:]:
        previous = found[-1][0]
        while x - previous > 180:
            x -= 360
        while previous - x > 180:
            x += 360
        found.append((x, y))
    return found


def clipped(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Return the ring's parts on the map (−180 to 180): a ring crossing the antimeridian gives two,
    each clamped to the map's edge."""
    ring = unwrap(ring)
    low, high = min(x for x, _ in ring), max(x for x, _ in ring)
    if low >= -180 and high <= 180:
        return [ring]
    parts = []
    for shift in (0, 360, -360):
        part = [(min(180.0, max(-180.0, x + shift)), y) for x, y in ring]
        # Where the ring runs beyond the edge, keep only where it leaves and comes back: the part
        # then follows the antimeridian between the two, as clipping would.
        kept = [
            point
            for n, point in enumerate(part)
            if abs(point[0]) < 180 or abs(part[n - 1][0]) < 180 or abs(part[(n + 1) % len(part)][0]) < 180
        ]
        if len(kept) >= 3 and area(kept) > 1e-6:
            parts.append(kept)
    return parts


def area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["arcs"])
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topology", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=OUT)
    args = parser.parse_args()
    topology = json.loads(args.topology.read_text(encoding="utf-8"))
    arcs = [simplify(a, TOLERANCE) for a in decode_arcs(topology)]
    with (ROOT / "questionnaire" / "data" / "countries.csv").open(encoding="utf-8") as f:
        by_numeric = {r["numeric"]: r["iso3"] for r in csv.DictReader(line for line in f if not line.startswith("#"))}
    countries: dict[str, list[list[int]]] = {}
    land: list[list[int]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        iso3 = by_numeric.get(geometry.get("id", ""))
        if iso3 == "ATA":
            continue
        pieces = []
        for polygon in polygons(geometry):
            outer, *holes = [ring_of(r, arcs) for r in polygon]
            for part in clipped(outer):
                pieces.append((area(part), [part, *holes]))
        if not pieces:
            continue
        largest = max(a for a, _ in pieces)
        rings_kept = []
        for size, rings in pieces:
            if size < MIN_AREA and size != largest:
                continue
            for n, ring in enumerate(rings):
                if n and area(ring) < MIN_AREA:
                    continue  # a lake too small to see
                flat = [round(v * 100) for point in ring for v in point]
                rings_kept.append(flat)
        if iso3:
            countries.setdefault(iso3, []).extend(rings_kept)
        else:
            land.extend(rings_kept)
    data = {
        "source": "Natural Earth 1:50m Admin 0 countries, version 4.1.0 (public domain), via world-atlas 2.0.2; "
        f"simplified to {TOLERANCE} degrees; coordinates in hundredths of a degree, [lon, lat, lon, lat, ...] per ring",
        "countries": dict(sorted(countries.items())),
        "land": land,
        "points": {k: [round(v * 100) for v in p] for k, p in POINTS.items()},
    }
    args.output.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(countries)} countries, {args.output.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
