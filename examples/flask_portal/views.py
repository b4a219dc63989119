"""The portal's own pages: login, logout, and its list of people, from which SMS are sent."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from wtforms import ValidationError

from examples.flask_portal.models import User, db, tutti_account
from tutti.models import Person

bp = Blueprint("portal", __name__)


def _check_csrf() -> None:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        abort(400)


@bp.route("/")
def home():
    """Send visitors to the list of people."""
    return redirect(url_for("portal.people"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with an email and a password."""
    if request.method == "POST":
        _check_csrf()
        user = db.session.scalar(select(User).where(User.email == request.form.get("email", "")))
        if user is not None and user.check_password(request.form.get("password", "")):
            login_user(user)
            return redirect(url_for("portal.people"))
        flash("Adresse ou mot de passe incorrect.")
    return render_template("portal/login.html")


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out."""
    _check_csrf()
    logout_user()
    return redirect(url_for("portal.login"))


@bp.route("/people")
@login_required
def people():
    """List the people of the user's school, with boxes to tick before writing an SMS."""
    account = tutti_account(current_user)
    rows = []
    if account is not None and account.structure_id is not None:
        rows = db.session.scalars(
            select(Person).where(Person.structure_id == account.structure_id, Person.archived.is_(False))
            .order_by(Person.last_name_key, Person.first_name_key)).all()
    return render_template("portal/people.html", people=rows, linked=account is not None)
