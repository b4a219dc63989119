"""Operations: a health check for load balancers, the operator's view of the queues, one log line per request."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Blueprint, Flask, g, jsonify, render_template, request
from flask_babel import gettext
from redis.exceptions import RedisError
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from blueprints.admin.access import operator_only
from blueprints.extensions import limiter, session, tutti_state

bp = Blueprint("ops", __name__)
log = logging.getLogger("tutti.request")
# A request id a proxy may hand us (X-Request-ID); anything else is replaced by one of ours.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """Say whether the database and Redis answer; 503 when one of them does not."""
    checks = {}
    try:
        session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as error:
        checks["database"] = f"error: {type(error).__name__}"
    finally:
        session().rollback()
    try:
        tutti_state()["redis"].ping()
        checks["redis"] = "ok"
    except RedisError as error:
        checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if healthy else "degraded", checks=checks), 200 if healthy else 503


@bp.route("/operator/queues")
@operator_only
def queues():
    """Show the operator what waits, runs, is scheduled or failed, and which workers are alive."""
    queue = tutti_state()["queue"]
    try:
        figures = {
            gettext("En attente"): queue.count,
            gettext("En cours"): StartedJobRegistry(queue=queue).count,
            gettext("Programmés"): ScheduledJobRegistry(queue=queue).count,
            gettext("En échec"): FailedJobRegistry(queue=queue).count,
        }
        failed = FailedJobRegistry(queue=queue).get_job_ids()[:20]
        workers = Worker.all(queue=queue)
    except RedisError:
        return render_template("ops/queues.html", unavailable=True)
    return render_template("ops/queues.html", unavailable=False, figures=figures, failed=failed, workers=workers,
                           queue_name=queue.name)


def _start_request() -> None:
    """Give the request its id and note when it began."""
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response):
    """Log one line for the request: ids and figures, never the query string, the form or a token in the path."""
    fields = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "endpoint": request.endpoint,
        "route": request.url_rule.rule if request.url_rule else None,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000, 1),
        "htmx": request.headers.get("HX-Request") == "true",
    }
    fields.update({k: v for k, v in (request.view_args or {}).items() if k.endswith("_id") and isinstance(v, int)})
    user = g.get("_login_user")  # only the account the view already loaded: logging never queries the database
    if user is not None and user.is_authenticated:
        fields.update(account_id=user.id, structure_id=user.structure_id)
    log.info("%s %s %s", request.method, fields["route"] or "-", response.status_code, extra=fields)
    if fields["request_id"]:
        response.headers["X-Request-ID"] = fields["request_id"]
    return response


def init_app(app: Flask) -> None:
    """Log each request, and show « Files d'envoi » in the navigation of operator accounts."""
    from blueprints.i18n import N_
    from blueprints.ui import NavItem, register_nav

    app.before_request(_start_request)
    app.after_request(_log_request)
    register_nav(app, NavItem("ops.queues", N_("Files d'envoi"), lambda account: account.is_operator, order=85))
