"""Login and logout views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from blueprints.auth import bp
from blueprints.auth.forms import LoginForm
from blueprints.extensions import limiter
from blueprints.extensions import session as db_session
from blueprints.security import end_session, start_session
from tutti.accounts.passwords import check_password, hash_password
from tutti.models import Account

# Checked when the login is unknown, so that a wrong login takes as long as a wrong password.
_DUMMY_HASH = hash_password("tutti-dummy-password")


def _login_limit() -> str:
    return current_app.config["TUTTI_LOGIN_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Return the page to go to after login, only if it is a local path."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return _home()
    if any(ch.isspace() or not ch.isprintable() for ch in target):
        return _home()  # browsers drop tabs and newlines: "/\t/evil.example" would leave the site
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else _home()


def _home() -> str:
    """Return where an account starts: the person list, or the operator's page."""
    return url_for("operator.index") if current_user.is_operator else url_for("people.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Show the login form and log the account in."""
    if current_user.is_authenticated:
        return redirect(_home())
    form = LoginForm()
    if form.validate_on_submit():
        login_name = form.login.data.strip().lower()
        account = None
        if login_name.isprintable():  # no login holds a control character; PostgreSQL refuses NUL outright
            account = db_session().scalar(select(Account).where(func.lower(Account.login) == login_name))
        valid = check_password(account.password_hash if account else _DUMMY_HASH, form.password.data)
        if account and valid and account.active:
            session.clear()  # a new session at login: nothing from before survives it
            login_user(account)
            start_session()
            return redirect(_safe_next(request.args.get("next")))
        if account and valid:
            form.form_errors.append(gettext("Ce compte est désactivé. Adressez-vous à l'administrateur de votre "
                                            "structure."))
        else:
            form.form_errors.append(gettext("Identifiant ou mot de passe incorrect."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out and forget the session."""
    end_session()
    logout_user()
    session.clear()
    flash(gettext("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))
