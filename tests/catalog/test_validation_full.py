"""Catalogues checked against every Polish place (the official files in ../shared/data)."""

from pathlib import Path

import pytest

from catalog.places import Gazetteer
from catalog.validation import check
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]


def test_evaluation_catalogue_has_no_errors_with_all_places(full_gazetteer: Gazetteer) -> None:
    path = SHARED / "eval" / "catalog.yaml"
    if not path.is_file():
        pytest.skip("the evaluation catalogue in ../shared/eval is absent")

    report = check(path.read_bytes(), filename=path.name, places=full_gazetteer)

    assert report.errors == ()
    assert report.catalog is not None
    wm = report.catalog.service("pup-wm-praca")
    assert wm is not None
    assert [area.code for area in wm.areas] == ["2013"]


def test_sample_catalogue_has_no_errors_with_all_places(full_gazetteer: Gazetteer) -> None:
    path = ROOT / "catalog" / "data" / "sample-catalog.yaml"

    report = check(path.read_bytes(), filename=path.name, places=full_gazetteer)

    assert report.errors == ()


def test_name_shared_by_two_gminas_is_ambiguous_until_qualified(full_gazetteer: Gazetteer) -> None:
    text = """\
version: 1
name: Ujazd
institutions:
  - id: gops-ujazd
    name: GOPS Ujazd
    place: {place}
    phones: ["112"]
    services:
      - id: gops-ujazd-zasilki
        name: Zasiłki
        situations: [poverty]
"""

    ambiguous = check(
        text.format(place="Ujazd").encode(), filename="u.yaml", places=full_gazetteer
    )
    qualified = check(
        text.format(place="Ujazd, województwo łódzkie").encode(),
        filename="u.yaml",
        places=full_gazetteer,
    )

    assert [p.code for p in ambiguous.errors] == ["catalog.ambiguous_place"]
    teryts = {unit.teryt for unit in ambiguous.errors[0].places}
    assert {"1016103", "1611063"} <= teryts
    assert qualified.errors == ()


def test_a_village_in_several_gminas_lists_the_candidate_gminas(
    full_gazetteer: Gazetteer,
) -> None:
    text = """\
version: 1
name: Nowa Wieś
institutions:
  - id: gops-x
    name: GOPS
    place: Nowa Wieś
    phones: ["112"]
    services:
      - id: gops-x-zasilki
        name: Zasiłki
        situations: [poverty]
"""

    report = check(text.encode(), filename="k.yaml", places=full_gazetteer)

    assert [problem.code for problem in report.errors] == ["catalog.ambiguous_place"]
    assert len(report.errors[0].places) >= 2
    assert report.errors[0].line == 6
