"""Every config key, rule and quarantine reason is documented in the README."""

from pathlib import Path

import pytest

from resolve.config import (SURVIVORSHIP_RULES, Config, FigureConfig, LinkConfig, ReconcileConfig,
                            RelationsConfig, ServiceConfig, SourceConfig, SurvivorshipConfig)

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def fields(model):
    return [name for name, f in model.model_fields.items() if not f.exclude]


@pytest.mark.parametrize("key", fields(Config) + fields(SourceConfig) + fields(LinkConfig)
                         + fields(SurvivorshipConfig) + fields(RelationsConfig) + fields(ReconcileConfig)
                         + fields(FigureConfig) + fields(ServiceConfig))
def test_config_key_documented(key):
    assert f"{key}:" in README, f"config key '{key}' is missing from the README's config reference"


@pytest.mark.parametrize("rule", SURVIVORSHIP_RULES)
def test_survivorship_rule_documented(rule):
    assert f"`{rule}`" in README


@pytest.mark.parametrize("reason", ["bad_field_count", "undecodable", "empty_record_key",
                                    "duplicate_record_key", "no_identity"])
def test_quarantine_reason_documented(reason):
    assert f"`{reason}`" in README


@pytest.mark.parametrize("reason", ["not_found", "ambiguous", "outside_city", "incomplete",
                                    "resident_in_non_dwelling", "over_occupied", "cluster_registration",
                                    "different_valid_usccs", "different_units"])
def test_relation_reasons_documented(reason):
    assert f"`{reason}`" in README


def test_link_settings_have_help_text():
    assert all(f.description for f in LinkConfig.model_fields.values() if f.annotation is not int)
