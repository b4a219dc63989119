"""`python worker.py`: build the app once, then run an RQ worker (with its scheduler) on Tutti's queue."""

from __future__ import annotations

import logging
import sys

from rq import Worker

from app import create_app


def build_worker(app, name: str | None = None) -> Worker:
    """Return a worker on the app's queue whose jobs find the app's database and transport."""
    from blueprints.extensions import db
    from tutti import runtime

    state = app.extensions["tutti"]
    with app.app_context():
        runtime.configure_from_app(app, db.engine)
        # No pooled connection may cross the fork into a work-horse.
        db.engine.dispose()
    return Worker([state["queue"]], connection=state["redis"], name=name)


def main(argv: list[str]) -> int:
    """Run the worker until it is told to stop."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = create_app()
    worker = build_worker(app)
    burst = "--burst" in argv
    worker.work(with_scheduler=True, burst=burst, logging_level="INFO")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
