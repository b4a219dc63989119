"""A tiny school portal, on its own port, that embeds Tutti's SMS panel in an iframe.

It keeps its own people, pushes them to Tutti through the JSON API, asks Tutti for a single-use embed
link for the people ticked, and shows the panel in a frame. Run it beside Tutti (see README.md).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

from flask import Flask, render_template_string, request

# The portal's own people: its ids, not Tutti's.
PEOPLE = [
    {"external_id": "eleve-101", "first_name": "Zoé", "last_name": "Lambert", "mobile": "06 10 20 30 40",
     "tags": ["classe-piano"]},
    {"external_id": "eleve-102", "first_name": "Noé", "last_name": "Fabre", "mobile": "07 55 44 33 23",
     "tags": ["classe-piano"]},
    {"external_id": "eleve-103", "first_name": "Mélanie", "last_name": "Garnier", "mobile": "01 45 67 89 10",
     "tags": ["classe-violon"]},
    {"external_id": "eleve-104", "first_name": "Hugo", "last_name": "Renaud", "mobile": "",
     "tags": ["classe-violon"]},
]
TAGS = [{"external_id": "classe-piano", "name": "Classe de piano"},
        {"external_id": "classe-violon", "name": "Classe de violon"}]

PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Portail de l'école</title>
<style>body{font-family:sans-serif;margin:2rem;max-width:60rem} iframe{width:100%;height:40rem;border:1px solid #999}
.error{color:#a00}</style></head>
<body>
<h1>Portail de l'école (exemple)</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="{{ url_for('sms') }}">
  <fieldset><legend>Élèves</legend>
  {% for p in people %}
  <label><input type="checkbox" name="people" value="{{ p.external_id }}" checked>
    {{ p.first_name }} {{ p.last_name }} ({{ p.mobile or "pas de mobile" }})</label><br>
  {% endfor %}
  </fieldset>
  <p><button type="submit" id="open-sms">Envoyer un SMS</button></p>
</form>
{% if panel_url %}<iframe id="tutti-panel" title="Envoi de SMS" src="{{ panel_url }}"></iframe>{% endif %}
</body></html>"""


def create_app() -> Flask:
    """Create the example portal; Tutti's address, key and account come from the environment."""
    app = Flask(__name__)
    app.config.update(TUTTI_URL=os.environ.get("TUTTI_URL", "http://127.0.0.1:5000").rstrip("/"),
                      TUTTI_API_KEY=os.environ.get("TUTTI_API_KEY", ""),
                      TUTTI_ACCOUNT=os.environ.get("TUTTI_ACCOUNT", "secretariat"))

    def call(method: str, path: str, payload: object) -> dict:
        """Call Tutti's API with the structure's key; raise RuntimeError with Tutti's French message."""
        req = urllib.request.Request(app.config["TUTTI_URL"] + "/api/v1" + path, method=method,
                                     data=json.dumps(payload).encode(),
                                     headers={"Authorization": f"Bearer {app.config['TUTTI_API_KEY']}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as error:
            raise RuntimeError(json.load(error).get("error", {}).get("message", str(error))) from error

    @app.get("/")
    def index():
        """List the portal's people."""
        return render_template_string(PAGE, people=PEOPLE, panel_url=None, error=None)

    @app.post("/sms")
    def sms():
        """Push the people to Tutti, ask for an embed link for those ticked, and frame the panel."""
        chosen = request.form.getlist("people")
        try:
            call("POST", "/tags", TAGS)
            call("POST", "/people", PEOPLE)  # idempotent: the portal's ids find the same rows each time
            link = call("POST", "/embed-links", {"account": app.config["TUTTI_ACCOUNT"], "people": chosen})
        except (RuntimeError, OSError) as error:
            return render_template_string(PAGE, people=PEOPLE, panel_url=None, error=str(error)), 502
        return render_template_string(PAGE, people=PEOPLE, panel_url=link["url"], error=None)

    return app


if __name__ == "__main__":
    create_app().run(host="127.0.0.1", port=int(os.environ.get("PORTAL_PORT", "8001")))
