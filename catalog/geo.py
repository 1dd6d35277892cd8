"""Where a point is: Poland's border, roughly, distances on the globe, and the known place
nearest to a shared location pin."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator

from catalog.place_types import PointRecord

# Poland's border, roughly (lon, lat), a little outside the real line.
_POLAND_POLYGON: tuple[tuple[float, float], ...] = (
    (14.10, 53.95),
    (14.20, 54.00),
    (15.60, 54.25),
    (16.85, 54.65),
    (18.35, 54.90),
    (18.90, 54.65),
    (19.65, 54.48),
    (22.80, 54.42),
    (23.55, 54.05),
    (23.95, 53.20),
    (23.70, 52.70),
    (23.25, 52.25),
    (23.70, 52.05),
    (23.55, 51.55),
    (24.15, 50.90),
    (23.55, 50.35),
    (22.70, 49.55),
    (22.65, 49.00),
    (21.60, 49.40),
    (20.90, 49.30),
    (20.05, 49.15),
    (19.40, 49.50),
    (18.80, 49.45),
    (18.55, 49.90),
    (17.85, 49.95),
    (17.40, 50.20),
    (16.90, 50.15),
    (16.65, 50.50),
    (16.20, 50.60),
    (15.40, 50.75),
    (14.80, 50.80),
    (15.05, 51.30),
    (14.60, 51.65),
    (14.60, 52.55),
    (14.10, 52.85),
    (14.40, 53.30),
)


def in_poland_polygon(lat: float, lon: float) -> bool:
    """True inside the rough border polygon (ray casting)."""
    inside = False
    points = _POLAND_POLYGON
    j = len(points) - 1
    for i, (xi, yi) in enumerate(points):
        xj, yj = points[j]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


class PinGrid:
    """Known places by cells of GRID_DEGREES, so the nearest one is found by looking at a few
    cells around a pin rather than at every place."""

    GRID_DEGREES = 0.1

    def __init__(self, points: Iterable[PointRecord]) -> None:
        self._cells: dict[tuple[int, int], list[PointRecord]] = defaultdict(list)
        for point in points:
            self._cells[self._cell(point.lat, point.lon)].append(point)

    @classmethod
    def _cell(cls, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / cls.GRID_DEGREES), math.floor(lon / cls.GRID_DEGREES)

    def __iter__(self) -> Iterator[PointRecord]:
        for points in self._cells.values():
            yield from points

    def nearest(
        self, lat: float, lon: float, *, max_km: float = 60.0
    ) -> tuple[PointRecord, float] | None:
        """The known place nearest to a point, within max_km, and its distance."""
        row, col = self._cell(lat, lon)
        best: tuple[PointRecord, float] | None = None
        cell_km = 111.0 * self.GRID_DEGREES
        reach = math.ceil(max_km / (cell_km * max(0.3, math.cos(math.radians(lat)))))
        for ring in range(reach + 1):
            for r in range(row - ring, row + ring + 1):
                for c in range(col - ring, col + ring + 1):
                    if max(abs(r - row), abs(c - col)) != ring:
                        continue
                    for point in self._cells.get((r, c), ()):
                        d = distance_km(lat, lon, point.lat, point.lon)
                        if d <= max_km and (best is None or d < best[1]):
                            best = (point, d)
            if best is not None and best[1] < ring * cell_km * 0.5:
                break
        return best
