"""A small school portal with its own database, users and login, that embeds Tutti's SMS panel."""

from __future__ import annotations

import os

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Create the portal: its own SQLAlchemy and LoginManager, then Tutti's SMS panel under /communication/sms."""
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SECRET_KEY", "change-me"),
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL")
        or "sqlite:///" + os.path.join(app.instance_path, "portal.db"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        TUTTI_SMS_TRANSPORT=os.environ.get("TUTTI_SMS_TRANSPORT", "outbox"),
        TUTTI_QUEUE_NAME=os.environ.get("TUTTI_QUEUE_NAME", "tutti"),
    )
    if test_config:
        app.config.update(test_config)

    from flask_wtf.csrf import generate_csrf

    from blueprints.sms.panel import init_sms_panel
    from examples.flask_portal import commands, views
    from examples.flask_portal.models import db, login_manager, tutti_account

    db.init_app(app)
    login_manager.init_app(app)
    app.add_template_global(generate_csrf, "csrf_token")  # the portal checks its own forms' tokens
    app.register_blueprint(views.bp)
    commands.register(app)
    init_sms_panel(app, url_prefix="/communication/sms", account_loader=tutti_account,
                   layout="portal/layout.html", people_endpoint="portal.people")
    return app
