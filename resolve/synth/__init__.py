"""Seeded synthetic city with ground truth, for testing `resolve` end to end.

The model. A Shenzhen-like city of real districts (GB/T 2260 codes) and 街道, generated
社区, roads, compounds, buildings, units and rooms (geography). Persons are drawn family by
family (population): ~60% hold the city's hukou (most live in the city, some in another
district than registered, ~6% of working-age locals elsewhere), ~35% are floating residents
registered in real migrant-origin counties (10% of their families have left, 30% left their
children at home), a few commute from Dongguan / Huizhou, a few are Hong Kong / Macao
residents (810000 / 820000 IDs) or foreigners (passports, no citizen ID). ~1% have died and
~2.5% of working-age locals moved their hukou out. Citizen IDs follow GB 11643 (Shenzhen
codes as they were in the birth year for natives). Twins share surname, birth date, dwelling,
division code and guardian phone; their given names differ in one non-homophone character.

Each department (sources, shapes) sees part of the population with its own coverage,
staleness, column names, codes, date formats, encodings and errors; writers add unreadable
rows (wrong field count, undecodable bytes, empty or duplicate record keys) and record them.
The truth (persons, person_records, twins, bad_rows, properties) says what every accepted
record is.

Enterprises and properties (registries) are drawn afterwards from random streams of their own,
so the person files never depend on them: market regulation (GBK CSV; companies, branches,
individual businesses, legacy registration numbers), tax (XLSX; name variants, legacy tax IDs,
mistyped USCCs), real-estate titles (GBK CSV; structured addresses, owners) and the housing
bureau (Parquet; one free-text address, its own codes). Their truth: enterprises,
enterprise_records, property_records (uids of properties.csv) and property_owners.
config.yaml lists every source.

    from resolve.synth import generate_city
    summary = generate_city("/tmp/city", seed=1, n_persons=20000, shape="default")

Shapes (shapes.py): `default`, the city the product is tuned on; `alt`, other mix, columns, codes
and error rates; `wild` (wild.py), another property universe (named estates, some under two names,
lettered buildings, units whose flat numbers repeat, urban villages with lanes and house numbers,
houses that also carry a road + door number) written by every department its own way (estate name
alone, road + door, 5楼02, 2梯, 三栋, 附近, typos ...), for testing on addresses nobody tuned on.

`python -m resolve.synth OUT_DIR [--seed N] [--persons N] [--shape default|alt|wild]` does the same.
"""
from .city import generate_city, persons_frame
from .shapes import get_shape

__all__ = ["generate_city", "get_shape", "persons_frame"]
