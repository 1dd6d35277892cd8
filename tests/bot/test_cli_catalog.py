import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n import t, tn
from bot.reports import render_problem
from catalog.places import Unit
from catalog.validation import Hint, Problem
from tests.builders import siedlce_yaml
from tests.conftest import SHARED_DATA

GOOD = siedlce_yaml()


pytestmark = pytest.mark.usefixtures("cli_home")  # its own data directory, in English


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def hash_shown(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["catalog", "show"]) == 0
    out = capsys.readouterr().out
    return next(line for line in out.splitlines() if line.startswith("Content hash:"))


def test_render_problem_puts_place_ids_message_and_hint_on_one_line() -> None:
    problem = Problem(
        severity="error",
        code="catalog.unknown_situation",
        params={"situation": "przemoc"},
        line=12,
        institution_id="mopr-siedlce",
        service_id="mopr-x",
        field="situations",
        hint=Hint("catalog.hint.did_you_mean", {"suggestion": "domestic_violence"}),
    )

    assert render_problem(problem, "en") == (
        "line 12 · mopr-siedlce / mopr-x · unknown situation 'przemoc'"
        " — did you mean domestic_violence?"
    )
    assert render_problem(problem, "pl") == (
        "wiersz 12 · mopr-siedlce / mopr-x · nieznana sytuacja 'przemoc'"
        " — czy chodziło o domestic_violence?"
    )


def test_an_ambiguous_place_is_told_apart_in_the_readers_language() -> None:
    siedlce = [
        Unit("146401", "1464011", "gmina", "Siedlce", "gmina miejska", "Siedlce", "mazowieckie"),
        Unit("142608", "1426082", "gmina", "Siedlce", "gmina wiejska", "siedlecki", "mazowieckie"),
    ]
    problem = Problem(
        severity="error",
        code="catalog.ambiguous_place",
        params={"place": "Siedlce"},
        line=6,
        places=tuple(siedlce),
    )

    polish = render_problem(problem, "pl")
    ukrainian = render_problem(problem, "uk")

    assert polish.startswith("wiersz 6 · miejsce 'Siedlce' jest niejednoznaczne: ")
    assert (
        "Siedlce (gmina wiejska), powiat siedlecki, województwo mazowieckie, TERYT 1426082"
        in polish
    )
    assert polish.count("TERYT") == 2
    assert "повіт siedlecki" in ukrainian
    assert "TERYT 1464011" in ukrainian


def test_show_says_the_sample_is_served_when_nothing_was_loaded(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["catalog", "show"])

    out = capsys.readouterr().out
    assert code == 0
    assert "the bundled sample catalogue is served" in out
    assert "Catalogue: Przykładowy katalog usług społecznych" in out


def test_check_reports_every_problem_and_exits_1_on_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = GOOD.replace("[poverty]", "[przemoc]").replace("800 120 002", "25 123")

    code = main(["catalog", "check", str(write(tmp_path / "k.yaml", broken))])

    out = capsys.readouterr().out
    assert code == 1
    assert (
        "line 12 · mopr-siedlce / mopr-zasilki · unknown situation 'przemoc'"
        " — did you mean domestic_violence?" in out
    )
    assert "line 19 · niebieska-linia · phone '25 123' is too short" in out
    assert "2 errors, 0 warnings. Catalogue refused" in out


def test_check_with_only_warnings_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_phone = GOOD.replace('    phones: ["+48 25 600 00 01"]\n', "")

    code = main(["catalog", "check", str(write(tmp_path / "k.yaml", no_phone))])

    out = capsys.readouterr().out
    assert code == 0
    assert "the service has no phone, e-mail or website" in out
    assert "0 errors, 2 warnings" in out


def test_load_replaces_the_sample_and_lists_what_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["catalog", "load", str(write(tmp_path / "k.yaml", GOOD))])

    out = capsys.readouterr().out
    assert code == 0
    assert 'Loaded catalogue "Katalog Siedlce".' in out
    assert "Services added (2): mopr-zasilki, mopr-przemoc" in out
    assert "Services changed (1): niebieska-linia-telefon" in out  # the sample has it too
    assert "Services removed (40): mopr-siedlce-pomoc-spoleczna, " in out
    assert main(["catalog", "show"]) == 0
    shown = capsys.readouterr().out
    assert "Catalogue: Katalog Siedlce" in shown
    assert "Data as of: 2026-11-01" in shown
    assert "Loaded: " in shown
    assert "sample" not in shown


def test_reload_reports_changed_and_removed_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["catalog", "load", str(write(tmp_path / "k.yaml", GOOD))])
    edited = GOOD.replace("name: Zasiłki", "name: Zasiłki celowe").replace(
        "      - id: mopr-przemoc\n        name: Przeciwdziałanie przemocy\n"
        "        situations: [domestic_violence]\n",
        "",
    )
    capsys.readouterr()

    main(["catalog", "load", str(write(tmp_path / "k2.yaml", edited))])

    out = capsys.readouterr().out
    assert "Services removed (1): mopr-przemoc" in out
    assert "Services changed (1): mopr-zasilki" in out


def test_failed_load_keeps_the_catalogue_in_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["catalog", "load", str(write(tmp_path / "k.yaml", GOOD))])
    before = hash_shown(capsys)

    code = main(
        ["catalog", "load", str(write(tmp_path / "bad.yaml", GOOD.replace("24/7", "always")))]
    )

    out = capsys.readouterr().out
    assert code == 1
    assert "The catalogue in use stays unchanged." in out
    assert hash_shown(capsys) == before


@pytest.mark.parametrize(
    ("form", "suffix"), [("yaml", "yaml"), ("csv", "csv"), ("hsds", "json"), ("hsds-csv", "zip")]
)
def test_export_then_load_gives_the_same_catalogue(
    form: str, suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["catalog", "load", str(write(tmp_path / "k.yaml", GOOD))])
    before = hash_shown(capsys)
    exported = tmp_path / f"export.{suffix}"

    assert main(["catalog", "export", "--format", form, "--output", str(exported)]) == 0
    assert main(["catalog", "load", str(exported)]) == 0

    out = capsys.readouterr().out
    assert "No service changed." in out
    assert hash_shown(capsys) == before


def test_export_of_the_sample_to_standard_output_is_a_valid_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "export", "--format", "yaml"]) == 0
    exported = write(tmp_path / "sample.yaml", capsys.readouterr().out)

    assert main(["catalog", "check", str(exported)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_check_of_a_missing_file_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "check", str(tmp_path / "nope.yaml")]) == 1
    assert "Cannot read file" in capsys.readouterr().err


def test_every_catalogue_message_key_has_a_text_in_every_language() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = [
        "catalog/validation.py",
        "catalog/format.py",
        "bot/reports.py",
        "bot/cli/catalog.py",
    ]
    keys = {
        key
        for source in sources
        for key in re.findall(r'"(catalog\.[a-z0-9_.]+[a-z0-9_])"', (root / source).read_text())
        if not key.endswith((".py", ".yaml", ".csv"))
    }
    keys |= {f"catalog.where.{unit}" for unit in ("line", "row")}
    plural = {"catalog.cli.errors", "catalog.cli.warnings", "catalog.cli.services"}

    missing = [
        (lang, key)
        for lang in ("pl", "uk", "en")
        for key in sorted(keys)
        if (tn(key, 2, lang) if key in plural else t(key, lang)) == key
    ]

    assert len(keys) > 50
    assert missing == []


def test_export_says_where_it_came_from_in_the_configured_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_LANGUAGE", "pl")

    assert main(["catalog", "export", "--format", "yaml"]) == 0

    first_line = capsys.readouterr().out.splitlines()[0]
    assert first_line.startswith("# Wyeksportowane przez drogowskaz: ")


def test_an_hsds_data_package_folder_is_checked_by_its_datapackage_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "package"
    folder.mkdir()
    write(folder / "datapackage.json", '{"title": "Pakiet"}')
    write(folder / "organizations.csv", "id,name,description\nabc,Fundacja,\n")
    write(folder / "services.csv", "id,organization_id,name,status\ns1,abc,Porady,active\n")
    write(folder / "locations.csv", "id,organization_id,location_type,name\nl1,abc,physical,\n")
    write(folder / "addresses.csv", "id,location_id,address_1,city\na1,l1,ul. Długa 1,Siedlce\n")

    code = main(["catalog", "check", str(folder / "datapackage.json")])

    out = capsys.readouterr().out
    assert code == 1
    assert "fundacja-abc / porady-s1 · list 'situations' must not be empty" in out
    assert "unknown place" not in out  # the address's city, Siedlce, is the place


def test_load_with_partnership_keeps_the_other_partnerships_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    default = write(tmp_path / "default.yaml", GOOD)
    mordy = write(tmp_path / "mordy.yaml", GOOD.replace("Katalog Siedlce", "Katalog Mordy"))
    assert main(["catalog", "load", str(default)]) == 0
    default_hash = hash_shown(capsys)

    assert main(["catalog", "load", "--partnership", "mordy", str(mordy)]) == 0
    capsys.readouterr()
    assert main(["catalog", "show"]) == 0
    shown = capsys.readouterr().out
    assert main(["catalog", "show", "--partnership", "mordy"]) == 0
    only_mordy = capsys.readouterr().out

    blocks = shown.split("\n\n")
    assert len(blocks) == 2
    assert default_hash in blocks[0]
    assert "Katalog Siedlce" in blocks[0]
    assert t("admin.partnership", "en", partnership="mordy") in blocks[1]
    assert "Katalog Mordy" in blocks[1]
    assert "Katalog Siedlce" not in only_mordy


def test_load_refuses_a_file_of_another_partnership(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    siedlce = write(
        tmp_path / "s.yaml", GOOD.replace("version: 1\n", "version: 1\npartnership: siedlce\n")
    )

    assert main(["catalog", "load", "--partnership", "mordy", str(siedlce)]) == 1

    error = capsys.readouterr().err
    assert t("catalog.cli.other_partnership", "en", found="siedlce", given="mordy") in error
    assert main(["catalog", "show", "--partnership", "mordy"]) == 1


def test_export_asks_which_partnership_when_several_are_served(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "a.yaml", GOOD)
    write(tmp_path / "b.yaml", GOOD.replace("version: 1\n", "version: 1\npartnership: mordy\n"))
    assert main(["catalog", "load", str(tmp_path / "a.yaml")]) == 0
    assert main(["catalog", "load", str(tmp_path / "b.yaml")]) == 0
    capsys.readouterr()

    assert main(["catalog", "export"]) == 1
    assert main(["catalog", "export", "--partnership", "mordy"]) == 0

    exported = capsys.readouterr().out
    assert "partnership: mordy" in exported


def test_check_and_load_refuse_a_file_over_the_size_limit_unless_lifted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DROGOWSKAZ_MAX_CATALOG_BYTES", "500")
    big = write(tmp_path / "k.yaml", GOOD + "# " + "x" * 600 + "\n")

    checked = main(["catalog", "check", str(big)])
    loaded = main(["catalog", "load", str(big)])
    refused = capsys.readouterr()
    lifted = main(["catalog", "check", "--max-bytes", "5000", str(big)])

    assert (checked, loaded, lifted) == (1, 1, 0)
    assert refused.err.count("larger than the limit of 500 bytes") == 2
    assert "--max-bytes" in refused.err
    assert "Loaded catalogue" not in refused.out


@pytest.mark.parametrize(
    "damage",
    [
        lambda _data: b"this is not a database at all " * 100,
        lambda data: data[:100] + b"\xff" * (len(data) - 100),  # the header kept, pages lost
    ],
    ids=["not-a-database", "pages-overwritten"],
)
def test_a_damaged_database_file_is_one_line_with_the_file_and_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: Callable[[bytes], bytes]
) -> None:
    main(["catalog", "load", str(write(tmp_path / "k.yaml", GOOD))])
    database = tmp_path / "data" / "drogowskaz.sqlite"
    database.write_bytes(damage(database.read_bytes()))
    capsys.readouterr()

    code = main(["catalog", "show"])

    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert str(database) in err
    assert "Restore it from a backup, or move it aside" in err


def test_the_official_hsds_example_package_folder_is_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = SHARED_DATA / "hsds-3.0"
    package = folder / "examples" / "csv" / "datapackage.json"
    if not package.is_file():
        pytest.skip("the HSDS 3.0 examples in ../shared/data/hsds-3.0 are absent")

    code = main(["catalog", "check", str(package)])

    out = capsys.readouterr().out
    assert code == 1  # a UK example: not a Polish place, no situation of ours
    assert "example-organization-inc-d9d5e0f5" in out
    assert "required field 'place' is missing" in out  # its location names another org
    assert "locations.csv (rows whose parent is not in the package)" in out
    assert "HSDS field organization.tax_status" in out


def test_check_warns_of_data_never_checked_or_checked_over_a_year_ago(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace(
        '    phones: ["+48 25 600 00 01"]\n',
        '    phones: ["+48 25 600 00 01"]\n    checked: 2020-05-01\n',
    )

    code = main(["catalog", "check", str(write(tmp_path / "k.yaml", text))])

    out = capsys.readouterr().out
    assert code == 0
    assert "0 errors, 0 warnings" in out  # freshness is advice, not a problem of the file
    assert "1 service was never checked" in out
    assert "2 services last checked before" in out
    oldest = out.split("To confirm first (oldest data):\n")[1].splitlines()
    assert oldest[0].endswith("niebieska-linia / niebieska-linia-telefon")
    assert oldest[1] == "  2020-05-01 · mopr-siedlce / mopr-przemoc"  # same date: by id


def test_public_export_leaves_out_where_a_confidential_place_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD.replace(
        "    place: miasto Siedlce\n",
        "    place: miasto Siedlce\n    confidential: true\n"
        '    address: "ul. Ukryta 7, 08-110 Siedlce"\n    geo: [52.1676, 22.2901]\n',
    )
    assert main(["catalog", "load", str(write(tmp_path / "k.yaml", text))]) == 0
    capsys.readouterr()

    assert main(["catalog", "export"]) == 0
    private = capsys.readouterr().out
    assert main(["catalog", "export", "--public", "--format", "csv"]) == 0
    public = capsys.readouterr().out

    assert "Ukryta" in private  # the coordinator's own copy keeps everything
    assert "confidential: true" in private
    assert "Ukryta" not in public
    assert "52.1676" not in public
    assert "+48 25 600 00 01" in public
