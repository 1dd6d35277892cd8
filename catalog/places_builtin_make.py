"""Writes the built-in place list (catalog/data/places/builtin.json) for the sample regions
from the official files: `python -m catalog.places_builtin_make /path/to/shared/data`.

Only the sample regions' gminas, localities, postal codes and points are kept (plus every
województwo and powiat, so that areas like 'województwo mazowieckie' resolve); the official
files themselves never enter the repository.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from catalog.places import BUILTIN_FILE
from catalog.places_import import read_places

# Siedlce (town), powiat siedlecki, wysokomazowiecki, miechowski, tomaszowski (łódzkie).
SAMPLE_POWIATS = ("1464", "1426", "2013", "1208", "1016")
ATTRIBUTION = (
    "Built-in places of Drogowskaz for the sample regions. "
    "Źródło: GUS, TERYT (TERC, SIMC). "
    "Postal codes and coordinates: GeoNames (geonames.org), CC BY 4.0."
)


def build(data_dir: Path) -> dict[str, object]:
    """The built-in document from the official files under data_dir."""
    data, summary = read_places(
        data_dir / "teryt" / "TERC_Urzedowy_2025-11-18.xml",
        simc=data_dir / "teryt" / "SIMC_Urzedowy_2020-09-26.zip",
        geonames_postal=data_dir / "geonames" / "PL_postal_codes.txt",
        geonames_cities=data_dir / "geonames" / "PL_cities500.txt",
    )

    def kept(code: str) -> bool:
        return code[:4] in SAMPLE_POWIATS

    return {
        "attribution": ATTRIBUTION,
        "info": {"source": "builtin", **{f"date {k}": v for k, v in summary.dates.items()}},
        "units": [list(u) for u in data.units if len(u.teryt) < 7 or kept(u.teryt)],
        "localities": [list(x) for x in data.localities if kept(x.gmina)],
        "postal": [list(x) for x in data.postal if kept(x.gmina)],
        "points": [list(x) for x in data.points if kept(x.gmina)],
    }


def main(argv: list[str]) -> int:
    """Write the built-in file next to this module."""
    data_dir = Path(argv[0]) if argv else Path("../shared/data")
    document = build(data_dir)
    target = Path(__file__).resolve().parent / BUILTIN_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    # one row per line keeps diffs readable
    text = text.replace("],[", "],\n[")
    target.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(f"{target}: {len(text)} bytes\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
