"""The engine the worker and its threads open on the app's database, outside any app context."""

from __future__ import annotations

from tutti.db import make_engine


def test_make_engine_reads_a_relative_sqlite_path_from_the_instance_folder(tmp_path):
    engine = make_engine("sqlite:///tutti.db", {}, str(tmp_path))
    assert engine.url.database == str(tmp_path / "tutti.db")


def test_make_engine_keeps_an_absolute_sqlite_path(tmp_path):
    path = str(tmp_path / "elsewhere.db")
    assert make_engine(f"sqlite:///{path}", {}, "/instance").url.database == path

