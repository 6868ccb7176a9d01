"""End to end on the 重庆 city (resolve/synth/chongqing.py): a generator written apart from the
product's address code, with the forms 重庆 departments write (dash floors 5-3 and
building-unit-floor-flat 2-2-12-1, floors below the street 负1-2, 附 doors, 宿舍 and X村
neighbourhoods, 组 / 社 villages, estates with 街区 and 期 at one door number, 两江新区 still
written 江北区 / 渝北区), on a seed the code was not developed on (777; the forms were read on
seed 5).

The first run of this shape, before any of its forms were read: residence right for 0.37-0.42
of the residents whose records state one, property F1 0.18-0.20 at precision 0.75-0.77.
Today: residence 0.80-0.83, property F1 0.93-0.96 at precision 0.994-0.999 (seeds 5, 31 and
777).
The floors below keep that from slipping back; issue 10's targets stay open.
"""

import pytest

from resolve.synth.chongqing import generate
from tests.conftest import city_metrics


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    return city_metrics(tmp_path_factory.mktemp("city-chongqing"), generate, seed=777, n_persons=3000)


def test_people_link_whatever_their_addresses_say(metrics):
    assert metrics["person_pairwise_f1"] >= 0.99
    assert metrics["person_twin_pairs"] > 0 and metrics["person_twin_pairs_merged"] == 0


def test_no_two_flats_merged(metrics):
    assert metrics["property_pairwise_precision"] >= 0.99


def test_a_placed_resident_is_placed_right(metrics):
    assert metrics["residence_accuracy_resolved"] >= 0.96
    assert metrics["residence_accuracy_flat_stated"] >= 0.9


def test_properties_and_residences_at_least_as_today(metrics):
    assert metrics["property_pairwise_f1"] >= 0.92
    assert metrics["residence_accuracy_stated"] >= 0.78
