"""Issue 13: Celery task names are registered once per Celery app (no DuplicateTaskNameWarning).

Tests (and a process that builds the app twice) make several Celery apps; Celery's default
``shared=True`` handed each new app the tasks of every earlier one, so registering the
replicate tasks again warned about a name taken by another callable.
"""

from __future__ import annotations

import warnings

from celery.exceptions import DuplicateTaskNameWarning

from app import CELERY_KEY
from components.jobs.managers import make_celery
from components.jobs.replicates import TASK_CHUNK, TASK_REDUCE
from components.settings import Settings
from tests.dash_page import fresh_app


def test_two_celery_apps_register_the_replicate_tasks_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DuplicateTaskNameWarning)
        apps = [make_celery("redis://127.0.0.1:1/0") for _ in range(3)]
        for celery_app in apps:
            celery_app.finalize()
    for celery_app in apps:
        assert {TASK_CHUNK, TASK_REDUCE} <= set(celery_app.tasks)
        # Each app runs its own task objects, bound to itself.
        assert celery_app.tasks[TASK_CHUNK].app is celery_app


def test_two_dash_apps_on_redis_build_without_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DuplicateTaskNameWarning)
        for i in range(2):
            app = fresh_app(Settings.from_env(data_dir=str(tmp_path / str(i)),
                                              redis_url="redis://127.0.0.1:1/0"))
            celery_app = app.server.config[CELERY_KEY]
            celery_app.finalize()
            assert {TASK_CHUNK, TASK_REDUCE} <= set(celery_app.tasks)
