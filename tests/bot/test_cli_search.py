"""`drogowskaz search` and `drogowskaz catalog test` as a caseworker or coordinator uses them."""

from __future__ import annotations

import argparse
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.cli import build_parser, evaluate, main, search
from bot.i18n import t
from catalog.model import Catalog
from catalog.places import Gazetteer, PlaceAnswer, ReferenceAnswer, ServesGmina
from catalog.taxonomy import SITUATIONS
from tests.builders import (
    GMINA_SIEDLCE_UNIT,
    MIASTO_SIEDLCE_UNIT,
    MORDY,
    POLSKA,
    POWIAT_SIEDLECKI,
    SIEDLCE,
    catalog_with,
    contact,
    crisis_line,
    institution,
    service,
)

PUP = institution(
    "pup-siedlce",
    name="Powiatowy Urząd Pracy w Siedlcach",
    short_name="PUP Siedlce",
    contact=contact(phones=["+48 25 600 00 05"]),
)
CATALOG = catalog_with(
    service(
        "pup-praca",
        name="Oferty pracy",
        situations=["unemployment"],
        institution=PUP,
        areas=[SIEDLCE, POWIAT_SIEDLECKI],
    ),
    service("gops-mordy", situations=["poverty"], areas=[MORDY]),
    service(
        "ohp",
        name="Praca dla młodzieży",
        situations=["youth", "unemployment"],
        areas=[POLSKA],
        ages="15-25",
    ),
    crisis_line("116-123", situations=["mental_health"], ages="18-"),
)


@dataclass
class Places:
    """The built-in gazetteer, plus one name that is ambiguous, as in the full data."""

    builtin: Gazetteer

    def find(self, text: str, *, prefer: ServesGmina | None = None) -> PlaceAnswer:
        if text.strip().casefold() == "siedlce gmina albo miasto":
            return PlaceAnswer(candidates=(MIASTO_SIEDLCE_UNIT, GMINA_SIEDLCE_UNIT))
        return self.builtin.find(text, prefer=prefer)

    def extract(
        self, text: str, *, prefer: ServesGmina | None = None
    ) -> tuple[PlaceAnswer | None, str]:
        return self.builtin.extract(text, prefer=prefer)

    def reference(self, text: str) -> ReferenceAnswer:
        return self.builtin.reference(text)


@dataclass
class Served:
    gazetteer: Places
    catalog: Catalog = field(default=CATALOG)


@pytest.fixture
def served(builtin_gazetteer: Gazetteer) -> Served:
    return Served(Places(builtin_gazetteer))


def run(served: Served, *argv: str) -> tuple[int, str, str]:
    arguments = build_parser().parse_args(["search", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = search.run(arguments, served, lang="en", out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_json_answer_lists_services_serving_the_place_with_their_contacts(served: Served) -> None:
    code, out, _ = run(served, "--place", "Mordy", "--age", "40", "--json", "straciłem", "pracę")

    answer = json.loads(out)
    assert code == 0
    assert answer["place"]["gmina"] == "142605"
    assert answer["results"][0]["service_id"] == "pup-praca"
    assert "ohp" not in [r["service_id"] for r in answer["results"]]  # 15-25 only
    assert answer["results"][0]["institution_id"] == "pup-siedlce"
    assert answer["results"][0]["level"] == "powiat"
    assert answer["results"][0]["phones"] == ["+48 25 600 00 05"]
    assert answer["situations"] == ["unemployment"]
    assert answer["danger"] is False


def test_place_named_in_the_text_is_used_when_no_place_is_given(served: Served) -> None:
    _, out, _ = run(served, "--json", "--age", "17", "szukam pracy w Mordach")

    answer = json.loads(out)
    assert answer["place"]["name"] == "Mordy"
    assert [r["service_id"] for r in answer["results"]][:2] == ["ohp", "pup-praca"]


def test_ambiguous_place_prints_candidates_and_exits_2(served: Served) -> None:
    code, out, _ = run(served, "--json", "--place", "Siedlce gmina albo miasto", "praca")

    answer = json.loads(out)
    assert code == 2
    assert answer["error"] == "place_ambiguous"
    assert len(answer["candidates"]) == 2
    assert all(candidate.startswith("Siedlce") for candidate in answer["candidates"])


def test_unknown_place_exits_2(served: Served) -> None:
    code, out, _ = run(served, "--json", "--place", "Qwxzyville", "praca")

    assert code == 2
    assert json.loads(out)["error"] == "place_unknown"


def test_chosen_situation_without_words_finds_its_services(served: Served) -> None:
    _, out, _ = run(served, "--json", "--place", "Mordy", "--situation", "poverty")

    assert [r["service_id"] for r in json.loads(out)["results"]] == ["gops-mordy"]


@pytest.mark.parametrize(
    "named",
    ["przemoc", "Przemoc w domu", "PRZEMOC W DOMU", "przemoc w domu", "Насильство вдома",
     "violence at home", "domestic violence", "domestic_violence"],
)  # fmt: skip
def test_a_situation_is_named_by_its_label_or_word_in_any_language(
    served: Served, named: str
) -> None:
    code, out, _ = run(served, "--json", "--place", "Mordy", "--situation", named)

    assert code == 0
    assert json.loads(out)["situations"] == ["domestic_violence"]


def test_a_mistyped_situation_is_refused_with_the_closest_one_suggested(served: Served) -> None:
    code, out, err = run(served, "--place", "Mordy", "--situation", "przemoco")

    assert code == 2
    assert out == ""
    assert err.strip() == t(
        "search.cli.situation_meant", "en", name="przemoco", label="Violence at home"
    )


def test_a_situation_nothing_like_any_is_refused_with_the_list(served: Served) -> None:
    code, _, err = run(served, "--place", "Mordy", "--situation", "xyzzy")

    assert code == 2
    assert "xyzzy" in err
    assert [key for key in SITUATIONS if t(f"situation.{key}", "en") not in err] == []


def test_danger_words_are_flagged_and_crisis_lines_come_first(served: Served) -> None:
    _, out, _ = run(served, "--json", "--place", "Mordy", "--age", "30", "chce", "sie", "zabic")

    answer = json.loads(out)
    assert answer["danger"] is True
    assert answer["results"][0]["service_id"] == "116-123"


def test_text_answer_names_the_place_and_each_service(served: Served) -> None:
    code, out, _ = run(served, "--place", "Mordy", "--age", "40", "praca")

    assert code == 0
    assert "Place: Mordy (gmina miejsko-wiejska), county siedlecki, province mazowieckie" in out
    assert "1. Oferty pracy — PUP Siedlce (in the county)" in out
    assert "tel. +48 25 600 00 05" in out


def test_nonsense_says_it_was_not_understood(served: Served) -> None:
    _, out, _ = run(served, "--place", "Mordy", "asdf")

    assert "I do not understand these words" in out
    assert "No services found" in out


def test_batch_answers_one_json_line_per_question(served: Served, tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    lines = [
        {"q": "zasiłek", "place": "Mordy", "age": 40},
        {"q": "praca", "place": "Siedlce gmina albo miasto"},
        {"q": "", "place": "Mordy", "situations": ["youth"], "age": 16},
        {"q": "x", "age": "old"},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n", encoding="utf-8")

    code, out, _ = run(served, "--batch", str(batch))

    answers = [json.loads(line) for line in out.splitlines()]
    assert [a.get("error") for a in answers] == [None, "place_ambiguous", None, "bad_request"]
    assert [r["service_id"] for r in answers[0]["results"]] == ["gops-mordy"]
    # Only a national service fits: the person's gmina office comes first (no dead end).
    assert [r["service_id"] for r in answers[2]["results"]] == ["gops-mordy", "ohp"]
    assert code == 2


def test_catalog_option_searches_a_checked_file(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "katalog.yaml"
    path.write_text(
        "version: 1\nname: Test\ninstitutions:\n"
        "- id: gops-mordy\n  name: GOPS w Mordach\n  place: Mordy\n  services:\n"
        "  - id: gops-mordy-opieka\n    name: Usługi opiekuńcze\n    situations: [elderly_care]\n",
        encoding="utf-8",
    )

    _, out, _ = run(served, "--catalog", str(path), "--place", "Mordy", "--json", "demencja")

    assert [r["service_id"] for r in json.loads(out)["results"]] == ["gops-mordy-opieka"]


def test_catalog_option_refuses_a_file_with_errors(served: Served, tmp_path: Path) -> None:
    path = tmp_path / "katalog.yaml"
    path.write_text("version: 1\nname: Test\ninstitutions: []\n", encoding="utf-8")

    code, out, err = run(served, "--catalog", str(path), "--place", "Mordy", "praca")

    assert code == 1
    assert out == ""
    assert err.strip()


def test_age_out_of_range_is_refused_by_the_parser() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["search", "--age", "300", "praca"])


def test_search_command_runs_on_the_bundled_sample(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DROGOWSKAZ_DATABASE_URL", raising=False)

    code = main(["search", "--json", "--place", "Siedlce", "--age", "40", "przemoc"])

    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    assert answer["place"]["gmina"] == "146401"
    assert answer["results"]
    assert all("domestic_violence" in r["situations"] for r in answer["results"])


def catalog_test(served: Served, questions: Path) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    evaluate.register_catalog_test(parser.add_subparsers())
    arguments = parser.parse_args(["test", str(questions)])
    out, err = io.StringIO(), io.StringIO()
    code = evaluate.run(arguments, served, lang="en", out=out, err=err)
    return code, out.getvalue() + err.getvalue()


def test_catalog_test_reports_hits_and_each_miss(served: Served, tmp_path: Path) -> None:
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        "- q: zasiłek\n  place: Mordy\n  age: 40\n  expect: [gops-mordy]\n"
        "- q: praca\n  place: Mordy\n  age: 40\n  expect: [ohp]\n",
        encoding="utf-8",
    )

    code, out = catalog_test(served, questions)

    assert code == 1
    assert "hit@3: 1 of 2 questions (50%)" in out
    assert "(leaks): 0" in out
    assert "MISS: “praca” (Mordy, age 40); expected: ohp" in out
    assert "instead: pup-praca" in out


def test_catalog_test_passes_when_everything_hits(served: Served, tmp_path: Path) -> None:
    questions = tmp_path / "questions.yaml"
    questions.write_text("- q: bieda\n  place: Mordy\n  expect: [gops-mordy]\n", "utf-8")

    code, out = catalog_test(served, questions)

    assert code == 0
    assert "hit@3: 1 of 1 question (100%)" in out


def test_catalog_test_refuses_a_malformed_questions_file(served: Served, tmp_path: Path) -> None:
    questions = tmp_path / "questions.yaml"
    questions.write_text("q: not a list\n", "utf-8")

    code, out = catalog_test(served, questions)

    assert code == 1
    assert "is not valid" in out
