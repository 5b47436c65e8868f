"""A project's settings: typed, validated, each with one default."""

from __future__ import annotations

import pytest

from activelabel.exceptions import ConfigError
from activelabel.project_config import ProjectConfig


def test_stored_json_without_a_setting_reads_as_its_default() -> None:
    settings = ProjectConfig.from_json({"text_column": "text"})
    assert settings.retrain_every == 10
    assert settings.overlap == 1
    assert settings.keys == {}
    assert ProjectConfig.from_json(None) == ProjectConfig()


def test_only_settings_someone_chose_are_stored() -> None:
    settings = ProjectConfig().replace(retrain_every=25, overlap=1)
    assert settings.to_json() == {"retrain_every": 25}


def test_an_unknown_setting_is_refused_with_the_list_of_settings() -> None:
    with pytest.raises(
        ConfigError, match=r"Unknown project setting 'retrain'.*overlap"
    ):
        ProjectConfig().replace(retrain=5)


def test_a_setting_of_the_wrong_type_or_range_is_a_sentence() -> None:
    with pytest.raises(ConfigError, match=r"retrain_every.*greater than or equal to 1"):
        ProjectConfig().replace(retrain_every=0)
    with pytest.raises(ConfigError, match=r"overlap"):
        ProjectConfig().replace(overlap="2")


def test_a_setting_an_older_version_stored_is_ignored_not_refused() -> None:
    assert ProjectConfig.from_json({"media_root": "/data"}) == ProjectConfig()


def test_a_featurizer_the_modality_cannot_use_names_the_ones_it_can() -> None:
    with pytest.raises(ConfigError, match=r"tabular project.*'embeddings'.*tabular"):
        ProjectConfig(featurizer="embeddings").check_featurizer("tabular")
    assert ProjectConfig(featurizer="embeddings").featurizer_for("text") == "embeddings"
    assert ProjectConfig().featurizer_for("image") == "image"


def test_a_projects_settings_follow_every_change_of_its_config() -> None:
    from activelabel.store.models import Project

    project = Project(name="p", task="classification", modality="text", labels=["a"])
    project.config = {"retrain_every": 5}
    assert project.settings.retrain_every == 5
    assert project.settings is project.settings  # read once while unchanged
    project.update_settings(retrain_every=7)
    assert project.settings.retrain_every == 7
    project.config = {"overlap": 2}
    assert project.settings.retrain_every == 10
    assert project.settings.overlap == 2
