"""Where a point is: Poland's border, roughly, and distances on the globe."""

from __future__ import annotations

import math

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
