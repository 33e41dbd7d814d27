"""Time the secretariat's pages for 196 countries × 10 cycles against rendering the same content.

Run:  .venv/bin/python benchmarks/compare.py [--countries 196] [--cycles 10] [--repeat 30]
                                               [--database URL] [--stored-scores]

The script builds a database (a temporary SQLite file unless --database or
BENCH_DATABASE_URL names another; its tables are emptied first) with ten
cycles, each with an assessment of every country answered on every item (about
one answer in eight asking for technical assistance), signs a reviewer in and
requests, through the Flask test client, /cycles/<newest>/compare: routing, the
sign-in session, the SQL queries, the comparison and every country's trend
across the cycles (kept in memory between requests), filtering, sorting, and
rendering the table, the world map of bands and the charts.

The baseline ("render only") is `views.review.render_compare` called on the
`ComparisonTable` computed beforehand and held in memory: it renders the same
template with the same map, charts and sparklines (their geometry is computed
in rendering, as in the request; the projected country shapes are computed once
per process and kept by both), but with no database and no scoring, in a
request context of its own each time: what the page would cost if its content
were free to produce.  Both are timed in the same run, alternately, so that
other work on the machine weighs on both alike; the script prints the median
and best of each and their ratio (target: the page within 2× of the baseline).

The same is done for the technical assistance page (/cycles/<newest>/assistance
against `views.review.render_assistance` on the `AssistanceDemand` held in
memory; target 2×).  Its two exports are timed as downloads (target: the CSV
within 0.5 s and the Excel workbook within 2 s for the whole cycle, some 1,200
requests of 196 countries, on a 2-core machine); for information, the script
also prints their ratio to writing the same file from the demand held in memory
(`exports.export_assistance`: the file alone, no request and no database).

For information it also times the first request (nothing kept in memory: every
country scored), a request after one country's answer changed (that country
rescored), and counts the SQL statements of a request.  With --stored-scores
every assessment's scores are stored first, as the review queue, the exports
and the assessment pages leave them: the steady state of a running platform.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import g  # noqa: E402
from sqlalchemy import delete, event, insert, select, update  # noqa: E402

from questionnaire import create_app, exports, services  # noqa: E402
from questionnaire.auth import hash_password  # noqa: E402
from questionnaire.catalogue_store import current_catalogue  # noqa: E402
from questionnaire.db import Base, db  # noqa: E402
from questionnaire.models import Answer, Assessment, Country, User  # noqa: E402
from questionnaire.seed import ensure_schema  # noqa: E402
from questionnaire.services.assistance import assistance_demand  # noqa: E402
from questionnaire.services.review import comparison_table  # noqa: E402
from questionnaire.views.review import render_assistance, render_compare  # noqa: E402

RATINGS = ("full", "largely", "partially", "initial", "none")
KINDS = ("legislative", "training", "equipment", "data", "victim_services", "cooperation")
PASSWORD = "benchmark password"  # noqa: S105 - a throw-away account in a throw-away database


def build(countries: int, cycles: list[str]) -> str:
    """Fill the database: cycles, one reviewer, an answered assessment per country and cycle."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in ("country", "alembic_version"):
            db.session.execute(delete(table))
    db.session.commit()
    codes = list(
        db.session.scalars(select(Country.iso3).where(Country.region != "").order_by(Country.iso3).limit(countries))
    )
    if len(codes) < countries:
        raise SystemExit(f"only {len(codes)} countries with a region are seeded")
    catalogue = current_catalogue()
    now = datetime.now(UTC)
    for n, code in enumerate(cycles):
        cycle = services.create_cycle(code, f"Self-assessment {code}")
        status = "accepted" if n < len(cycles) - 1 else None
        rng = random.Random(code)
        db.session.execute(
            insert(Assessment),
            [
                {
                    "cycle_id": cycle.id,
                    "country_iso3": iso3,
                    "version": 2,
                    "created_at": now,
                    "updated_at": now,
                    "status": status or ("submitted", "returned", "accepted")[i % 3],
                    "submitted_at": now - timedelta(days=i),
                }
                for i, iso3 in enumerate(codes)
            ],
        )
        ids = dict(
            db.session.execute(
                select(Assessment.country_iso3, Assessment.id).where(Assessment.cycle_id == cycle.id)
            ).all()
        )
        rows = []
        for iso3 in codes:
            level = random.Random(iso3).random()
            for item in catalogue.items:
                pick = min(4, max(0, int((1 - level) * 5 + rng.uniform(-1, 1))))
                kind = rng.choice(KINDS) if pick >= 2 and rng.random() < 0.25 else None
                rows.append(
                    {
                        "assessment_id": ids[iso3],
                        "item_id": item.id,
                        "rating": RATINGS[pick],
                        "description": f"How {iso3} implements {item.id}.",
                        "legal_references": ["Act 1, art. 2"],
                        "evidence_links": [],
                        "assistance_kind": kind,
                        "assistance_description": f"{iso3} asks for {kind} on {item.id}." if kind else "",
                        "justification": "",
                        "version": 1,
                        "updated_at": now,
                        "updated_by_id": None,
                    }
                )
        db.session.execute(insert(Answer), rows)
    db.session.add(User(email="reviewer@bench.test", role="reviewer", password_hash=hash_password(PASSWORD)))
    db.session.commit()
    return cycles[-1]


def timed(action: Callable[[], Any], repeat: int) -> list[float]:
    """Return the seconds each of `repeat` runs took."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--countries", type=int, default=196)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--stored-scores",
        action="store_true",
        help="store every assessment's scores first (as the queue, the exports and "
        "the assessment pages do), so the page loads them with the assessments",
    )
    args = parser.parse_args()

    folder = tempfile.TemporaryDirectory()
    url = args.database or f"sqlite:///{Path(folder.name) / 'bench.db'}"
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "TESTING": True,
            "SECOND_FACTOR_REQUIRED": False,  # a benchmark account in a throw-away database
        }
    )
    with app.app_context():
        ensure_schema()
        newest = build(args.countries, [str(2017 + n) for n in range(args.cycles)])
        engine = db.engine

    if args.stored_scores:
        with app.app_context():
            from questionnaire.services.scores import scores_of_many

            scores_of_many(list(db.session.scalars(select(Assessment))))

    statements = [0]
    event.listen(engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))

    client = app.test_client()
    with app.test_request_context():
        pass
    page_url = f"/cycles/{newest}/compare"
    token_page = client.get("/login").get_data(as_text=True)
    token = (
        token_page.split('name="csrf_token" type="hidden" value="')[-1].split('"')[0]
        if 'name="csrf_token" type="hidden" value="' in token_page
        else token_page.split('name="csrf_token" value="')[1].split('"')[0]
    )
    signed_in = client.post("/login", data={"email": "reviewer@bench.test", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302, f"sign-in failed: {signed_in.status_code}"

    def page() -> str:
        response = client.get(page_url)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    start = time.perf_counter()
    statements[0] = 0
    html = page()
    cold = time.perf_counter() - start
    cold_statements = statements[0]
    rows = html.count('name="country" value=')
    assert rows == args.countries, f"the page lists {rows} countries, expected {args.countries}"

    statements[0] = 0
    page()
    warm_statements = statements[0]
    # The baseline: the same template, from the page content computed beforehand and kept
    # in memory, rendered in a request context of its own each time (as a request would).
    with app.test_request_context(page_url):
        user = db.session.scalar(select(User).where(User.email == "reviewer@bench.test"))
        g._login_user = user
        cycle = services.find_cycle(newest)
        view = comparison_table(cycle, services.visible_assessments(user, cycle))
        baseline_html = render_compare(view)
        assert baseline_html.count('name="country" value=') == args.countries

    def baseline() -> str:
        with app.test_request_context(page_url):
            g._login_user = user
            return render_compare(view)

    # Alternate the two, so that whatever else the machine does weighs on both alike.
    page_times: list[float] = []
    baseline_times: list[float] = []
    for _ in range(args.repeat):
        page_times += timed(page, 1)
        baseline_times += timed(baseline, 1)

    # One country's answer changes: the next request rescores that country only.
    with app.app_context():
        changed = db.session.scalar(
            select(Assessment)
            .join(Assessment.cycle)
            .where(Assessment.country_iso3 == view.rows[0].iso3)
            .order_by(Assessment.id.desc())
            .limit(1)
        )
        db.session.execute(
            update(Answer)
            .where(Answer.assessment_id == changed.id, Answer.item_id == "CL-1")
            .values(rating="none", version=Answer.version + 1)
        )
        db.session.execute(
            update(Assessment)
            .where(Assessment.id == changed.id)
            .values(version=Assessment.version + 1, updated_at=datetime.now(UTC))
        )
        db.session.commit()
    start = time.perf_counter()
    page()
    after_change = time.perf_counter() - start

    # The technical assistance page and its exports, against rendering / writing the same demand.
    assistance_url = f"/cycles/{newest}/assistance"
    statements[0] = 0
    assistance_html = client.get(assistance_url).get_data(as_text=True)
    assistance_statements = statements[0]
    with app.test_request_context(assistance_url):
        g._login_user = user
        demand = assistance_demand(user, cycle)
        assert assistance_html.count('<tbody id="requests-') == len({r.iso3 for r in demand.requests})

    def assistance_page() -> bytes:
        response = client.get(assistance_url)
        assert response.status_code == 200, response.status_code
        return response.get_data()

    def assistance_baseline() -> str:
        with app.test_request_context(assistance_url):
            g._login_user = user
            return render_assistance(cycle, demand, {}, {})

    def download(fmt: str) -> Callable[[], bytes]:
        def run() -> bytes:
            response = client.get(f"{assistance_url}/export.{fmt}")
            assert response.status_code == 200, response.status_code
            return response.get_data()

        return run

    def written(fmt: str) -> Callable[[], bytes]:
        def run() -> bytes:
            with app.test_request_context(assistance_url):
                g._login_user = user
                return exports.export_assistance(cycle, demand, fmt).content

        return run

    pairs = {
        "assistance page": (assistance_page, assistance_baseline),
        "assistance CSV": (download("csv"), written("csv")),
        "assistance Excel": (download("xlsx"), written("xlsx")),
    }
    other: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in pairs}
    for _ in range(max(5, args.repeat // 3)):
        for name, (request_it, baseline_it) in pairs.items():
            other[name][0].extend(timed(request_it, 1))
            other[name][1].extend(timed(baseline_it, 1))

    page_median, base_median = statistics.median(page_times), statistics.median(baseline_times)
    print(
        f"comparison page, {args.countries} countries × {args.cycles} cycles "
        f"({db.engine.dialect.name if False else url.split(':')[0]}), {args.repeat} runs each"
    )
    print(f"  page  GET {page_url}:  median {page_median * 1000:7.1f} ms   best {min(page_times) * 1000:7.1f} ms")
    print(
        f"  baseline render only:        median {base_median * 1000:7.1f} ms"
        f"   best {min(baseline_times) * 1000:7.1f} ms"
    )
    print(
        f"  ratio page / baseline:       {page_median / base_median:.2f}x median, "
        f"{min(page_times) / min(baseline_times):.2f}x best (target <= 2x)"
    )
    print(f"  for information: first request (nothing kept) {cold * 1000:.0f} ms, {cold_statements} SQL statements;")
    print(f"                   later requests {warm_statements} SQL statements;")
    print(f"                   after one country's answer changed {after_change * 1000:.0f} ms")
    print(f"technical assistance, {len(demand.requests)} requests, {assistance_statements} SQL statements a request")
    targets = {
        "assistance page": "target <= 2x",
        "assistance CSV": "target 500 ms",
        "assistance Excel": "target 2000 ms",
    }
    for name, (requested, baseline_run) in other.items():
        median, base = statistics.median(requested), statistics.median(baseline_run)
        print(
            f"  {name:17} median {median * 1000:7.1f} ms, render/write only {base * 1000:7.1f} ms: "
            f"{median / base:.2f}x ({targets[name]})"
        )
    folder.cleanup()


if __name__ == "__main__":
    main()
