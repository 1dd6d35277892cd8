"""Whom a service serves: by place (a TERYT prefix), and when the place is not known."""

from catalog.model import Area
from tests.builders import POLSKA, SIEDLCE, service


def test_a_local_service_serves_its_gmina_and_not_others() -> None:
    local = service(areas=[SIEDLCE])

    assert local.serves_place("146401")
    assert not local.serves_place("142608")
    assert not local.nationwide


def test_with_the_place_unknown_only_a_nationwide_service_surely_serves() -> None:
    local = service(areas=[SIEDLCE, Area(code="1426", written="powiat siedlecki")])
    nationwide = service(areas=[SIEDLCE, POLSKA])

    assert not local.serves_place(None)
    assert nationwide.serves_place(None)
    assert nationwide.nationwide
