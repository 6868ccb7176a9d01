"""End to end on the independent 广州 city (resolve/synth/independent.py): a generator written
apart from the product's address code, with the forms Guangzhou departments write (urban-village
巷 / 社 / 坊 / 横街 addresses, 之一 doors, 梯 units, estates with 期 and a door number per
building, community-first grid surveys), on a seed the code was not developed on.

The figures held here are floors under what the product reaches today (residence right for
0.84 of the residents whose records state one, property F1 0.97-0.98 at precision 1.0,
measured on seeds 11 and 23; 0.86 and 0.99 on this seed; 0.40 and 0.25-0.33 when the shape
was written), not issue 10's targets: they keep what the address reading has won from
slipping back, while the targets stay open.
"""

import pytest

from resolve.synth.independent import generate
from tests.conftest import city_metrics


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    return city_metrics(tmp_path_factory.mktemp("city-independent"), generate, seed=4242, n_persons=3000)


def test_people_link_whatever_their_addresses_say(metrics):
    assert metrics["person_pairwise_f1"] >= 0.99
    assert metrics["person_twin_pairs"] > 0 and metrics["person_twin_pairs_merged"] == 0


def test_a_placed_resident_is_placed_right(metrics):
    assert metrics["residence_accuracy_resolved"] >= 0.95
    assert metrics["residence_accuracy_flat_stated"] >= 0.9


def test_properties_and_residences_at_least_as_today(metrics):
    assert metrics["property_pairwise_precision"] >= 0.99
    assert metrics["property_pairwise_f1"] >= 0.95
    assert metrics["residence_accuracy_stated"] >= 0.8
