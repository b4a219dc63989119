"""Operations: a health check for load balancers, and the operator's view of the queues."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template
from flask_babel import gettext
from redis.exceptions import RedisError
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from blueprints.admin.access import operator_only
from blueprints.extensions import limiter, session, tutti_state

bp = Blueprint("ops", __name__)


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


def init_app(app: Flask) -> None:
    """Show « Files d'envoi » in the navigation of operator accounts."""
    from blueprints.i18n import N_
    from blueprints.ui import NavItem, register_nav

    register_nav(app, NavItem("ops.queues", N_("Files d'envoi"), lambda account: account.is_operator, order=85))
