"""Simulated staff for the load benchmark: secretaries typing an SMS, and others sending one.

Run by `python -m bench.load` (see there) as `python -m bench.locustfile <plan.json>`: locust as a library,
in a process of its own (locust patches the standard library with gevent when imported). The plan names the
server, the accounts, the number of users and how long to measure; the figures are written to the plan's
`results` path as JSON: every request's time by kind, and every error with its reason.

Every user logs in as a browser does (login form, then the CSRF token the page gives htmx in `hx-headers`),
and every htmx request carries `HX-Request` and `X-CSRFToken`. A request counts as an error when its status is
400 or more, or when its answer is not what the person would rely on (a wrong fragment, a wrong count).
"""

from __future__ import annotations

import html
import itertools
import json
import random
import re
import sys
import time

import gevent
from locust import FastHttpUser, between, events, task
from locust.env import Environment

from bench.load_record import Plan, Record
from tutti.sms import encoding

# What secretaries type: plain French (GSM-7) and French with typographic marks (UCS-2, the costly case).
TEXTS = [
    "Bonjour à tous, la répétition de samedi est avancée à 14h30, salle Molière. Apportez vos partitions !",
    "Rappel : le concert de fin d'année aura lieu le 20 juin à 20h. Tenue noire exigée pour les musiciens.",
    "Les cours de solfège sont annulés demain, le professeur est souffrant. Ils seront rattrapés mardi.",
    "L’audition de piano est reportée : nous vous tiendrons informés très prochainement. Bonne soirée à tous.",
    "Chers parents, n’oubliez pas de déposer l’autorisation de sortie pour le stage d’orchestre.",
    "Réunion du bureau jeudi à 19h au conservatoire. Ordre du jour : budget, stage d'été, élection du trésorier.",
]
COUNTDOWN = re.compile(r"<strong(?: class=\"error\")?>(\d+)</strong> caractères? (restants?|en trop)"
                       r".*?(\d+) SMS par destinataire", re.S)
CSRF_META = re.compile(r'"X-CSRFToken": "([^"]+)"')
SELECTION = re.compile(r'data-selection="(\d+)"')
CSRF_FIELD = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
TAG_OPTION = re.compile(r'<option value="(\d+)"')
PROGRESS_URL = re.compile(r'/sms/campaigns/(\d+)"')


PLAN: Plan  # set in main()


RECORD = Record()
events.request.add_listener(RECORD.request)


class Staff(FastHttpUser):
    """A secretary with a personal account: logs in, then works through htmx requests."""

    abstract = True
    logins: itertools.count
    login_names: list[str]

    def on_start(self) -> None:
        """Log in the way a browser does and keep the CSRF token htmx would send."""
        self.login = self.login_names[next(self.logins)]
        self.csrf = self.selection = ""
        page = self.call("GET", "/login", "login_page", lambda r: _need(CSRF_FIELD.search(r.text), "no CSRF field"))
        token = CSRF_FIELD.search(page.text).group(1) if page.text else ""
        self.call("POST", "/login", "login", lambda r: _redirect_to(r, "/people"), allow_redirects=False,
                  data={"csrf_token": token, "login": self.login, "password": PLAN.password})
        people = self.call("GET", "/people", "people", lambda r: _need(
            CSRF_META.search(r.text) and SELECTION.search(r.text), "no CSRF header or no selection"))
        match = CSRF_META.search(people.text or "")
        self.csrf = match.group(1) if match else ""
        # The page's own selection, which its htmx requests name in X-Tutti-Selection (hx-headers).
        window = SELECTION.search(people.text or "")
        self.selection = window.group(1) if window else ""
        self.tags = TAG_OPTION.findall(people.text or "")
        RECORD.ready += 1
        while RECORD.phase == "warmup":  # everyone starts together, once every account is in
            gevent.sleep(0.1)
        gevent.sleep(random.uniform(0, 5))  # though not all in the same millisecond

    def call(self, method: str, path: str, kind: str, check=None, htmx: bool = False, **kwargs):
        """Send a request; count it as an error when its status is ≥ 400 or its answer fails `check`."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf, "X-Tutti-Selection": self.selection} if htmx else {}
        with self.client.request(method, path, name=kind, catch_response=True, headers=headers, **kwargs) as r:
            if not r.status_code or r.status_code >= 400:
                r.failure(f"HTTP {r.status_code or r.error}: {_gist(r.text or '')}")
            else:
                problem = check(r) if check else None
                if problem:
                    r.failure(problem)
                else:
                    r.success()
        return r

    def countdown(self, text: str) -> None:
        """Post the textarea's content as htmx does after the debounce; check the count against the server's rule."""
        expected = encoding.count(text)

        def check(r) -> str | None:
            if not r.text.lstrip().startswith('<div id="countdown"'):
                return f"not the countdown fragment: {_gist(r.text)}"
            shown = COUNTDOWN.search(r.text)
            if not shown:
                return f"no count shown: {_gist(r.text)}"
            left = int(shown.group(1)) * (1 if shown.group(2).startswith("restant") else -1)
            if (left, int(shown.group(3))) != (expected.units_left, expected.parts):
                return f"count {left}/{shown.group(3)} instead of {expected.units_left}/{expected.parts}"
            return None

        self.call("POST", "/sms/countdown", "countdown", check, htmx=True, data={"message": text})

    def compose(self) -> None:
        """Open the compose fragment (« Sms » in the actions menu)."""
        self.call("GET", "/sms/compose", "compose", lambda r: _root(r, "compose"), htmx=True)


class TypingStaff(Staff):
    """Types a message: one countdown request each time the debounced textarea fires (200 ms after a keystroke)."""

    fixed_count = 0
    logins = itertools.count()
    # A secretary types 3 to 5 characters a second and pauses between words: the debounce fires every 0.3–1.5 s.
    wait_time = between(0.3, 1.5)

    def on_start(self) -> None:
        """Log in, open the compose fragment, pick a message to type."""
        self.login_names = PLAN.typing_logins
        super().on_start()
        self.compose()
        self.text, self.typed = random.choice(TEXTS), random.randint(0, 20)

    @task
    def type_some(self) -> None:
        """Type a few more characters (a word, more or less) and let the countdown refresh."""
        self.typed += random.randint(1, 8)
        if self.typed > len(self.text):
            self.text, self.typed = random.choice(TEXTS), random.randint(1, 8)
            self.compose()  # Annuler, then a new message
        self.countdown(self.text[: self.typed])


class SendingStaff(Staff):
    """Picks people, writes a message, reads the recap, presses Envoyer and watches the progress to the end."""

    fixed_count = 0
    logins = itertools.count()
    wait_time = between(2, 5)

    def on_start(self) -> None:
        """Log in."""
        self.login_names = PLAN.sending_logins
        super().on_start()

    @task
    def send(self) -> None:
        """One send, from the person list to « Envoi terminé »; none begins once the measure is over."""
        if RECORD.phase != "measuring":
            gevent.sleep(1)
            return
        RECORD.sends_in_progress += 1
        try:
            self.one_send()
        finally:
            RECORD.sends_in_progress -= 1

    def one_send(self) -> None:
        """Pick people, type, Valider, Envoyer, watch the progress."""
        self.select_people()
        self.compose()
        text = random.choice(TEXTS)
        for end in sorted(random.sample(range(10, len(text)), 4)) + [len(text)]:
            self.countdown(text[:end])
            gevent.sleep(random.uniform(0.3, 1.0))
        recap = self.call("POST", "/sms/recap", "recap", _recap_ready, htmx=True,
                          data={"csrf_token": self.csrf, "message": text})
        if recap.text is None or _recap_ready(recap):
            return
        token = html.unescape(re.search(r'name="token" type="hidden" value="([^"]+)"', recap.text).group(1))
        gevent.sleep(random.uniform(1, 3))  # reading the recap
        sent = self.call("POST", "/sms/send", "envoyer", lambda r: _root(r, "progress"), htmx=True,
                         data={"csrf_token": self.csrf, "message": text, "token": token})
        found = PROGRESS_URL.search(sent.text or "")
        if _root(sent, "progress") or not found:
            return
        campaign_id = int(found.group(1))
        RECORD.envoyer.append(campaign_id)
        self.watch(campaign_id, sent.text)

    def select_people(self) -> None:
        """Untick everyone, then tick « Tous les résultats » of a tag or a name search."""
        flt = {"tag": random.choice(self.tags)} if self.tags and random.random() < 0.7 else {
            "q": random.choice(["mar", "ber", "ro", "le", "du", "an"])}
        self.call("POST", "/people/selection/clear", "selection", lambda r: _root(r, "results"), htmx=True, data=flt)
        self.call("POST", "/people/selection/all", "selection",
                  lambda r: _need("tous les résultats sont sélectionnés" in r.text, "selection not made"),
                  htmx=True, data={**flt, "page": "1", "checked": "1"})
        self.call("GET", "/people/actions", "actions",
                  lambda r: _need(re.search(r"Actions pour [\d\s\u202f\xa0]+ sélectionnés?", r.text),
                                  "actions bar without the selection"), htmx=True)

    def watch(self, campaign_id: int, fragment: str) -> None:
        """Poll the progress fragment every second, as it does itself, until it stops polling."""
        deadline = time.monotonic() + 120
        while 'hx-trigger="every 1s"' in fragment:
            if time.monotonic() > deadline:
                RECORD.errors[f"progress: campaign {campaign_id} not finished after 120 s"] += 1
                return
            gevent.sleep(1)
            fragment = self.call("GET", f"/sms/campaigns/{campaign_id}/progress", "progress",
                                 lambda r: _root(r, "progress"), htmx=True).text or ""
        if "Envoi terminé" in fragment:
            RECORD.finished_seen.add(campaign_id)


def _gist(text: str) -> str:
    plain = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text))).strip()
    return plain[:160]


def _need(found, problem: str) -> str | None:
    return None if found else problem


def _root(r, root: str) -> str | None:
    return None if re.match(rf'\s*<[a-z]+ id="{root}"', r.text or "") else f"not the {root} fragment: {_gist(r.text)}"


def _redirect_to(r, path: str) -> str | None:
    location = r.headers.get("Location", "")
    return None if r.status_code == 302 and location.endswith(path) else f"login refused: {_gist(r.text or '')}"


def _recap_ready(r) -> str | None:
    problem = _root(r, "recap")
    if problem:
        return problem
    if re.search(r"<button\b[^>]*\bdisabled[^>]*>\s*Envoyer", r.text):
        return f"Envoyer disabled: {_gist(r.text)}"
    return None


def main(argv: list[str]) -> int:
    """Start every user, wait until all are logged in, measure for the plan's duration, write the figures."""
    global PLAN
    with open(argv[0], encoding="utf-8") as f:
        PLAN = Plan(json.load(f))
    TypingStaff.fixed_count, SendingStaff.fixed_count = len(PLAN.typing_logins), len(PLAN.sending_logins)
    users = TypingStaff.fixed_count + SendingStaff.fixed_count
    env = Environment(user_classes=[TypingStaff, SendingStaff], host=PLAN.host, events=events)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(users, spawn_rate=max(10, users / 5))
    while RECORD.ready < users and time.monotonic() - started < PLAN.login_timeout:
        gevent.sleep(0.2)
    warmup = time.monotonic() - started
    RECORD.phase = "measuring"
    begun = time.monotonic()
    RECORD.began = time.time()
    gevent.sleep(PLAN.duration)
    RECORD.phase = "closing"
    seconds = time.monotonic() - begun
    closing = time.monotonic()
    while RECORD.sends_in_progress and time.monotonic() - closing < 180:
        gevent.sleep(0.2)
    if RECORD.sends_in_progress:
        RECORD.errors[f"{RECORD.sends_in_progress} sends still running 180 s after the measure"] += 1
    runner.quit()
    if RECORD.ready < users:
        RECORD.warmup_errors[f"only {RECORD.ready} of {users} users logged in"] += 1
    with open(PLAN.results, "w", encoding="utf-8") as f:
        json.dump(RECORD.summary(seconds, warmup), f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
