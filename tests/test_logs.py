"""Structured logs: TUTTI_LOG_FORMAT=json gives one JSON object per line, per request and per job, with ids and
figures and never a message's text or a phone number in clear."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sms_helpers import build_world, login, make_campaign, sms_config

from tutti import logs

ROOT = Path(__file__).resolve().parent.parent
SECRET_TEXT = "Code portail 4821 : venez à 20h"
PHONE = "+33612345678"


@pytest.fixture(autouse=True)
def restore_logging():
    """Give the root logger back its handlers and level after each test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def json_lines(text: str) -> list[dict]:
    """Return the lines of the output that are JSON objects (and fail on a line that starts like one but is not)."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_logs_json_formatter_writes_fields_and_masks_phones():
    """A record becomes one JSON object with its extra fields; a phone number in the message is masked."""
    record = logging.LogRecord("tutti.x", logging.WARNING, __file__, 1, "STOP from %s", (PHONE,), None)
    record.campaign_id = 12
    entry = json.loads(logs.JsonFormatter().format(record))
    assert entry["level"] == "warning" and entry["logger"] == "tutti.x" and entry["campaign_id"] == 12
    assert PHONE not in entry["message"]
    assert entry["message"] == "STOP from +33•••••••78"


def test_logs_mask_phones_keeps_ids_and_figures():
    """National and E.164 numbers are masked; ids, counts and times are not."""
    assert logs.mask_phones("0612345678 et +447700900123") == "061•••••78 et +44••••••••23"
    assert logs.mask_phones("campaign 1234 sent 250 in 12.5 s") == "campaign 1234 sent 250 in 12.5 s"


def test_logs_configure_from_env_unset_leaves_logging_alone():
    """Neither TUTTI_LOG_FORMAT nor TUTTI_LOG_LEVEL: nothing is installed."""
    before = logging.getLogger().handlers[:]
    assert logs.configure_from_env({}) is False
    assert logging.getLogger().handlers == before


def test_logs_configure_from_env_json_and_level_keeps_other_handlers():
    """json + WARNING: a JSON handler at that level, beside the handlers already there; a second call replaces it."""
    before = logging.getLogger().handlers[:]
    assert logs.configure_from_env({"TUTTI_LOG_FORMAT": "json", "TUTTI_LOG_LEVEL": "warning"})
    logs.configure_from_env({"TUTTI_LOG_FORMAT": "json", "TUTTI_LOG_LEVEL": "warning"})
    root = logging.getLogger()
    ours = [h for h in root.handlers if h not in before]
    assert len(ours) == 1 and isinstance(ours[0].formatter, logs.JsonFormatter)
    assert root.level == logging.WARNING
    assert all(h in root.handlers for h in before)


def test_logs_configure_refuses_an_unknown_format():
    """A misspelt format stops the start with a clear message rather than logging nothing."""
    with pytest.raises(ValueError, match="TUTTI_LOG_FORMAT"):
        logs.configure_from_env({"TUTTI_LOG_FORMAT": "xml"})


@pytest.fixture
def app_config(app_config, monkeypatch):
    """JSON logs for the test app, as a hosted deployment sets them."""
    monkeypatch.setenv("TUTTI_LOG_FORMAT", "json")
    monkeypatch.setenv("TUTTI_LOG_LEVEL", "INFO")
    return sms_config(app_config)


def our_stream() -> io.StringIO:
    """Point the handler TUTTI_LOG_FORMAT installed at a buffer, and return the buffer."""
    stream = io.StringIO()
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h.formatter, logs.JsonFormatter)]
    handler.setStream(stream)
    return stream


def test_logs_one_json_line_per_request_with_ids_and_no_content(app, db, client):
    """Each request logs method, route, status, duration, request id, account and structure; never the search
    words, the message typed or a phone number."""
    world = build_world(db)
    login(client, "ecrivain")
    stream = our_stream()
    client.get("/people?q=Dupont", headers={"X-Request-ID": "req-abc-123"})
    client.post("/sms/countdown", data={"message": f"{SECRET_TEXT} {PHONE}"}, headers={"HX-Request": "true"})
    err = stream.getvalue()
    lines = [e for e in json_lines(err) if e["logger"] == "tutti.request"]
    assert [e["route"] for e in lines] == ["/people", "/sms/countdown"]
    first, second = lines
    assert first["request_id"] == "req-abc-123" and first["status"] == 200 and first["method"] == "GET"
    assert first["structure_id"] == world.structure_id and first["account_id"] == world.accounts["ecrivain"]
    assert isinstance(first["duration_ms"], float)
    assert second["htmx"] is True and len(second["request_id"]) == 32
    for forbidden in ("Dupont", "portail", "4821", PHONE, "0612345678"):
        assert forbidden not in err


def test_logs_request_id_answered_in_header(app, client):
    """The request id goes back in X-Request-ID, so a user's report can be matched with the log line."""
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42"}).headers["X-Request-ID"] == "lb-42"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id {json}"}).headers["X-Request-ID"]
    assert forged != "bad id {json}" and len(forged) == 32


def test_logs_worker_logs_one_json_line_per_campaign_outcome(app, db, tmp_path):
    """`python worker.py` with TUTTI_LOG_FORMAT=json logs JSON only, a line for the job with the campaign's
    structure, status and messages per state, and neither the text nor any number of the campaign."""
    from tutti.models import Message
    from tutti.sms.queue import enqueue_campaign

    world = build_world(db)
    campaign_id = make_campaign(db, world, message=SECRET_TEXT)
    phones = [m.phone for m in db.query(Message).filter_by(campaign_id=campaign_id)]
    assert enqueue_campaign(db, app.extensions["tutti"]["queue"], campaign_id)
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=app.config["REDIS_URL"],
               TUTTI_QUEUE_NAME=app.config["TUTTI_QUEUE_NAME"], SECRET_KEY="test-secret",
               TUTTI_SMS_TRANSPORT="outbox", TUTTI_INSTANCE_PATH=str(tmp_path), TUTTI_LOG_FORMAT="json")
    done = subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert all(line.startswith("{") for line in output.splitlines() if line.strip()), output
    outcome = [e for e in json_lines(output) if e.get("campaign_id") == campaign_id and "job_status" in e]
    assert len(outcome) == 1, output
    line = outcome[0]
    assert line["job_status"] == "finished" and line["campaign_status"] == "done"
    assert line["structure_id"] == world.structure_id
    assert sum(line["messages"].values()) == len(phones) == line["recipients"]
    assert SECRET_TEXT not in output and "4821" not in output
    assert not [p for p in phones if p in output]
