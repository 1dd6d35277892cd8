"""The synthetic catalogue generator: same seed, same file; the size asked; real places."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bench.generate import build, generate, read_gminas


def _services(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [service for i in document["institutions"] for service in i["services"]]


def test_same_seed_writes_the_same_file() -> None:
    assert generate(700, seed=5) == generate(700, seed=5)


def test_another_seed_writes_another_catalogue() -> None:
    assert generate(700, seed=5) != generate(700, seed=6)


def test_yaml_file_reads_back_as_the_built_catalogue() -> None:
    text = generate(300, seed=2)

    document = yaml.load(text, Loader=yaml.CSafeLoader)

    assert document == {**build(300, seed=2), "updated": document["updated"]}
    assert str(document["updated"]) == "2026-11-01"


@pytest.mark.parametrize("count", [1, 37, 1_000, 10_000])
def test_catalogue_has_exactly_the_services_asked_for(count: int) -> None:
    services = _services(build(count, seed=1))

    assert len(services) == count
    assert len({service["id"] for service in services}) == count


def test_every_place_is_a_teryt_code_of_a_real_unit() -> None:
    gminas = {gmina.teryt for gmina in read_gminas()}
    powiats = {code[:4] for code in gminas}
    wojewodztwa = {code[:2] for code in gminas}
    document = build(3_000, seed=1)

    places = [institution["place"] for institution in document["institutions"]]
    areas = [area for service in _services(document) for area in service.get("area", [])]

    assert set(places) - {"Polska"} <= gminas
    assert set(areas) - {"Polska"} <= powiats | wojewodztwa
    assert {len(area) for area in areas} == {2, 4, len("Polska")}


def test_catalogue_grows_from_the_region_of_the_evaluation_questions() -> None:
    document = build(500, seed=1)

    places = {institution["place"] for institution in document["institutions"]}

    assert "1464011" in places  # Siedlce, the town
    assert all(place == "Polska" or place.startswith(("14", "20")) for place in places)


def test_country_scale_covers_every_gmina() -> None:
    gminas = {gmina.teryt for gmina in read_gminas()}

    document = build(100_000, seed=1)

    assert {institution["place"] for institution in document["institutions"]} >= gminas
