"""The app most component tests drive: one per test module, default settings, its own data
directory, no Redis (jobs as local processes). A module that needs other settings (a small
upload limit, a store quota, auth) defines its own ``app`` fixture, which takes precedence."""

from __future__ import annotations

import pytest

from components.settings import Settings


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    from app import create_app

    return create_app(Settings.from_env(data_dir=str(tmp_path_factory.mktemp("data")),
                                        redis_url=None))


@pytest.fixture
def in_app(app):
    """The app with its Flask application context entered (callbacks read settings there)."""
    with app.server.app_context():
        yield app
