"""An installation makes its own secret key on first start, private to its owner, and keeps it."""

from __future__ import annotations

import stat

import pytest

from circle import create_app

#: These run on SQLite in memory: what they check is the instance folder, beside the embedded default.
pytestmark = pytest.mark.sqlite_only("the instance folder of the embedded SQLite default")


def test_secret_key_is_made_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("KRING_SECRET_KEY", raising=False)
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "ASYNC_MODE": "threading"}
    instance = tmp_path / "instance"

    first = create_app(dict(config), instance_path=str(instance))
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) == 64
    assert key_file.read_text().strip() == first.secret_key

    again = create_app(dict(config), instance_path=str(instance))
    assert again.secret_key == first.secret_key


def test_each_installation_has_its_own_key(tmp_path, monkeypatch):
    monkeypatch.delenv("KRING_SECRET_KEY", raising=False)
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "ASYNC_MODE": "threading"}
    one = create_app(dict(config), instance_path=str(tmp_path / "one"))
    two = create_app(dict(config), instance_path=str(tmp_path / "two"))
    assert one.secret_key != two.secret_key
