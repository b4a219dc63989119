"""The language of the pages: French unless the person picks English with the « Langue » switch.

The choice is kept in a cookie of its own rather than in the session: logging in and out clears the session
(nothing from before survives a login), and someone who picked English on the login page expects to stay in English.
The browser's Accept-Language is not read: Tutti's users expect French unless they ask for another language.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import get_locale, gettext, refresh
from flask_babel.speaklater import LazyString
from markupsafe import escape

LANGUAGES = {"fr": "Français", "en": "English"}
DEFAULT_LANGUAGE = "fr"
COOKIE = "tutti_lang"
COOKIE_MAX_AGE = 365 * 86400

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """Return the language picked with the switch, else French."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    language = request.cookies.get(COOKIE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    """Return the language of this request: "fr" or "en" ("fr" outside a request)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def N_(string: str) -> str:
    """Mark a string for the catalogue without translating it here: it is translated where it is shown."""
    return string


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular and plural pair for the catalogue (extracted with `-k NP_:1,2`)."""
    return singular, plural


class LazyText(LazyString):
    """flask_babel's lazy string, escaped when rendered like any text (flask_babel's own `__html__` does not escape)."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> LazyString:
    """Translate when shown, not when defined: for form labels and messages set at class level."""
    return LazyText(gettext, string, **variables)


def _safe_target(target: str | None) -> str:
    """Return the page to go back to, only if it is a path of this site."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("people.home")


def switch_next() -> str:
    """Return where the switch brings the person back: this page, or its GET address after a POST."""
    if g.get("switch_next"):  # a page that knows its own address better (the person list names its selection)
        return g.switch_next
    if request.method == "GET":
        return request.full_path.rstrip("?")
    rule = request.url_rule
    return request.path if rule is not None and "GET" in (rule.methods or ()) else url_for("people.home")


@bp.route("/language", methods=["POST"])
def switch():
    """« Langue »: remember the chosen language and go back to the page the switch was on."""
    language = request.form.get("lang", "")
    if language not in LANGUAGES:
        abort(400)
    response = redirect(_safe_target(request.form.get("next")), 303)
    config = current_app.config
    response.set_cookie(
        COOKIE, language, max_age=COOKIE_MAX_AGE, path=config.get("SESSION_COOKIE_PATH") or config["APPLICATION_ROOT"],
        secure=config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
    return response


def init_app(app: Flask) -> None:
    """Give the templates the language helpers; read the language afresh on every request."""
    from blueprints.i18n_labels import translate
    from blueprints.refusals import words

    # A caller that keeps one app context open across requests (a test, a script) keeps one `g`:
    # the language cached there must not carry one request's choice into the next.
    app.before_request(refresh)
    app.add_template_global(current_language)
    app.add_template_global(switch_next)
    app.add_template_global(LANGUAGES, "languages")
    app.add_template_filter(translate, "translate")
    app.add_template_filter(words, "words")
