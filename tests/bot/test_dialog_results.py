"""Who a person is sent to when nothing in the catalogue fits their matter."""

from __future__ import annotations

from bot.dialog_results import caseworkers
from tests.builders import MORDY, POLSKA, POWIAT_SIEDLECKI, service

ROKICINY = "101607"  # outside the catalogue's area (powiat tomaszowski, łódzkie)


def test_the_gmina_social_assistance_centre_takes_up_the_case_first() -> None:
    gops = service("gops-mordy", situations=("poverty", "family"), areas=(MORDY,))
    pcpr = service("pcpr", situations=("poverty",), areas=(POWIAT_SIEDLECKI,))
    line = service("line", situations=("addiction",), areas=(POLSKA,))

    assert [s.id for s in caseworkers([line, pcpr, gops], "142605")] == ["gops-mordy"]


def test_a_national_line_of_another_matter_is_nobodys_caseworker() -> None:
    parents = service("parents-line", situations=("addiction",), areas=(POLSKA,))
    debts = service("debt-line", situations=("debt",), areas=(POLSKA,))

    assert caseworkers([parents, debts], ROKICINY) == []


def test_a_local_general_service_is_asked_when_no_office_takes_cases() -> None:
    pcpr = service("pcpr-family", situations=("family",), areas=(POWIAT_SIEDLECKI,))
    parents = service("parents-line", situations=("addiction",), areas=(POLSKA,))

    assert [s.id for s in caseworkers([parents, pcpr], "142605")] == ["pcpr-family"]
