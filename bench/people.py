"""Time the person list over 20,000 people and print JSON (a measurement, not a test).

    python -m bench.people                                   # a temporary SQLite database
    python -m bench.people --database-url postgresql://…/db --reset   # PostgreSQL (its Tutti tables are recreated)

Each figure is the time the test client waits for the app (routing, queries, rendering), over `--runs`
requests after a warm-up; "cpu_median_ms" is this process's CPU time (on SQLite it includes the database's
work, and it is steadier than the wall clock on a busy machine); "queries" is how many SQL statements one
request sends.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable

from sqlalchemy import func, insert, select

from bench.common import QueryCounter, analyze, machine, make_app, summary

PASSWORD = "bench-mot-de-passe"
TARGETS_MS = {"list": 25, "search": 25, "page_200": 25, "select_all": 100}


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL (or other) URL; default: a temporary SQLite file")
    parser.add_argument("--reset", action="store_true", help="drop and recreate Tutti's tables in --database-url")
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--search", default="mar", help="the active-search text timed")
    return parser.parse_args()


def _make_app(database_url: str, instance: str):
    return make_app(database_url, instance)


def _load(db, count: int, seed: int = 20_000) -> int:
    """Bulk-insert one structure with `count` people and a personal account; return the structure id."""
    from tutti.accounts.passwords import hash_password
    from tutti.demo import FIRST_F, FIRST_M, LAST, TAGS
    from tutti.directory.people import fold
    from tutti.models import ACCOUNT_PERSONAL, LEVEL_WRITE, MODULE_SMS, Account, Person, Structure, Tag, person_tags

    rng = random.Random(seed)
    structure = Structure(name="Conservatoire du banc d'essai", sms_option=True, sender_name="BENCH", credit_balance=0)
    db.add(structure)
    db.flush()
    tags = [Tag(structure_id=structure.id, name=name) for name in TAGS]
    db.add_all(tags)
    db.flush()
    rows = []
    for i in range(count):
        sexe = rng.choice("FM")
        first = rng.choice(FIRST_F if sexe == "F" else FIRST_M)
        last = rng.choice(LAST) + ("" if i % 3 else f"-{rng.choice(LAST)}")
        digits = f"{rng.randint(0, 99_999_999):08d}"
        mobile = {} if i % 17 == 0 else {
            "mobile_raw": "06 " + " ".join(digits[k:k + 2] for k in range(0, 8, 2)),
            "mobile_e164": "+336" + digits, "mobile_kind": "mobile"}
        rows.append({"structure_id": structure.id, "first_name": first, "last_name": last, "sexe": sexe,
                     "first_name_key": fold(first), "last_name_key": fold(last), "mobile_raw": "",
                     "mobile_e164": None, "mobile_kind": "none", "archived": i % 97 == 0, **mobile})
    db.execute(insert(Person), rows)
    ids = db.scalars(select(Person.id).where(Person.structure_id == structure.id)).all()
    links = [{"person_id": pid, "tag_id": tag.id}
             for pid in ids for tag in rng.sample(tags, rng.choice([1, 1, 1, 2, 3]))]
    db.execute(insert(person_tags), links)
    me = Person(structure_id=structure.id, first_name="Béatrice", last_name="Banc", first_name_key="beatrice",
                last_name_key="banc", sexe="F")
    db.add(me)
    db.flush()
    account = Account(structure_id=structure.id, person_id=me.id, kind=ACCOUNT_PERSONAL, login="bench",
                      password_hash=hash_password(PASSWORD))
    account.set_level(MODULE_SMS, LEVEL_WRITE)
    db.add(account)
    db.commit()
    return structure.id


def _vacuum(engine) -> None:
    """Clear the dead rows 20,000 deselections leave on PostgreSQL, as autovacuum would between two clicks."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM selection_people")


def _time(request: Callable[[], object], runs: int, counter: QueryCounter, between: Callable[[], object] | None = None):
    """Return median and p95 in ms (wall clock, and this process's CPU), and the queries of one request."""
    for _ in range(3):  # warm-up: templates compiled, statement caches filled
        request()
        if between:
            between()
    samples, cpu, queries = [], [], []
    for _ in range(runs):
        with counter.measure():
            start, start_cpu = time.perf_counter(), time.process_time()
            request()
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        queries.append(counter.last)
        if between:
            between()
    return {**summary(samples), "cpu_median_ms": round(statistics.median(cpu), 2), "queries": max(queries),
            "runs": runs}


def _ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    return response


def main() -> None:
    """Load the people, log in, time each scenario and print the JSON report."""
    args = _parse_args()
    with tempfile.TemporaryDirectory(prefix="tutti-bench-") as tmp:
        url = args.database_url or f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        app = _make_app(url, os.path.join(tmp, "instance"))
        from blueprints.extensions import db
        from tutti.models import Person, SelectionPerson, create_all, metadata

        with app.app_context():
            if args.reset:
                metadata.drop_all(db.engine)
            create_all(db.engine)
            if db.session.scalar(select(func.count()).select_from(Person)):
                raise SystemExit("The database already holds people: pass --reset to recreate Tutti's tables.")
            started = time.perf_counter()
            structure_id = _load(db.session, args.people)
            load_s = time.perf_counter() - started
            analyze(db.engine)
            listed = db.session.scalar(select(func.count()).select_from(Person).where(
                Person.structure_id == structure_id, Person.archived.is_(False)))
            counter = QueryCounter(db.engine)
            dialect = db.engine.dialect.name

        client = app.test_client()
        _ok(client.post("/login", data={"login": "bench", "password": PASSWORD}), 302)
        # One window's selection for the whole run, as a tab keeps its own.
        opened = _ok(client.get("/people")).get_data(as_text=True)
        window = re.search(r'data-selection="(\d+)"', opened).group(1)
        hx = {"HX-Request": "true", "X-Tutti-Selection": window}

        def clear():
            _ok(client.post("/people/selection/clear", headers=hx))

        def select_all():
            response = _ok(client.post("/people/selection/all", data={"checked": "1"}, headers=hx))
            assert json.loads(response.headers["HX-Trigger"])["selection-changed"]["count"] == listed

        def deselect_all():
            _ok(client.post("/people/selection/all", data={}, headers=hx))

        def deselect_and_vacuum():
            deselect_all()
            with app.app_context():
                _vacuum(db.engine)

        results = {
            "list": _time(lambda: _ok(client.get("/people", query_string={"sel": window})), args.runs, counter),
            "search": _time(lambda: _ok(client.get("/people", query_string={"q": args.search}, headers=hx)),
                            args.runs, counter),
            "page_200": _time(lambda: _ok(client.get("/people", query_string={"page": 200}, headers=hx)),
                              args.runs, counter),
            "select_all": _time(select_all, args.runs, counter, between=deselect_and_vacuum),
            "deselect_all": _time(deselect_all, args.runs, counter, between=select_all),
        }
        clear()
        # Queries per list request must not grow with the rows shown.
        per_page = {}
        for size in (50, 10):
            app.config["TUTTI_PAGE_SIZE"] = size
            with counter.measure():
                _ok(client.get("/people", query_string={"sel": window}))
            per_page[str(size)] = counter.last
        app.config["TUTTI_PAGE_SIZE"] = 50
        with app.app_context():
            selected = db.session.scalar(select(func.count()).select_from(SelectionPerson))

        report = {
            "database": dialect,
            **machine(),
            "people": args.people,
            "listed": listed,
            "load_seconds": round(load_s, 2),
            "search": args.search,
            "results": results,
            "queries_per_list_request_by_page_size": per_page,
            "targets_ms": TARGETS_MS,
            "targets_met": {name: results[name]["median_ms"] <= target for name, target in TARGETS_MS.items()},
            "selection_left_after_clear": selected,
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
