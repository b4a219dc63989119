"""The load benchmark in a short form: the same gunicorn, worker, Redis and simulated staff, fewer and for less long.

Timings are not asserted here (they belong to `python -m bench.load`, on a quiet machine): what a school relies
on under load is that no request fails and that every Envoyer becomes a campaign that finishes.
"""

from __future__ import annotations

import pytest

from bench import load


@pytest.fixture(scope="module")
def report(tmp_path_factory, pg_schema_url, redis_url):
    """Run the benchmark once for the module: 10 staff typing and 3 sending for 12 s."""
    folder = tmp_path_factory.mktemp("load")
    url = pg_schema_url or f"sqlite:///{folder / 'load.db'}"
    if pg_schema_url:
        from sqlalchemy import create_engine

        from tutti.models import metadata

        engine = create_engine(pg_schema_url)
        with engine.begin() as connection:  # the tables other modules left behind
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
        engine.dispose()
    settings = load.Settings(database_url=url, redis_url=redis_url, duration=12, typing=10, sending=3, people=600,
                             web_workers=2, web_threads=4, settle=90)
    return load.run(settings, folder)


def test_load_no_request_fails(report):
    """Every request of every simulated person answers below 400 with the fragment the page expects."""
    assert report["warmup"]["users_ready"] == 13, report["warmup"]
    assert report["errors"] == 0, report["error_reasons"]
    assert report["exceptions"] == {}, report["exceptions"]
    assert not [s for s in report["access_log_statuses"] if int(s) >= 400], report["access_log_statuses"]
    assert report["kinds"]["countdown"]["requests"] > 50, report["kinds"]


def test_load_every_envoyer_finishes(report):
    """Each Envoyer answered made a campaign, and every campaign sent all its messages."""
    sending = report["sending"]
    assert sending["envoyer_answered"] >= 3, sending
    assert sending["envoyer_without_campaign"] == [], sending
    assert sending["campaigns_recorded"] == sending["envoyer_answered"], sending
    assert sending["campaigns_by_status"] == {"done": sending["campaigns_recorded"]}, sending
    assert sending["messages"] > 0 and sending["messages_finished"] == sending["messages"], sending
    assert sending["balance_equals_ledger"], sending
