import pytest

from resolve.engine import Engine
from resolve.standardise.addresses import register_address_macros
from resolve.standardise.sql import register_macros


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    register_macros(e)
    register_address_macros(e, "深圳市", "440300")
    yield e
    e.close()


def write_config(folder, sources_yaml: str, extra: str = "") -> str:
    text = (
        "city: 深圳市\n"
        "region_code: \"440300\"\n"
        "snapshot_date: 2026-10-31\n"
        f"{extra}"
        "sources:\n" + sources_yaml
    )
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)
