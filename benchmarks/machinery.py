"""What each piece of the platform's speed machinery is worth, measured by switching it off.

The section page (GET) and an autosave (POST) of a signed-in respondent are
timed in process (Flask's test client, the demo database on SQLite), first with
everything on, then with one mechanism off at a time, rounds alternating so the
shared machine's load weighs on every variant alike.  For each mechanism the
script prints the median time per request with it off against with it on: the
ratio is what keeping it buys.  The figures are quoted where each mechanism
lives (look for "benchmarks/machinery.py" in the source).

- page cache: `views.assessment.page_cache` keeps rendered section pages,
  with markers where the session's CSRF token goes;
- CSRF reuse: `views.signed_tokens` hands a session the token signed for it in
  the last five minutes instead of signing one per page;
- form classes: `forms.section_form_class` builds a section's WTForms class
  once per edition, section and set of items;
- item intros: `views.assessment.item_intro_cache` keeps each item's question,
  guidance and clauses rendered per edition and language (used when a page is
  not cached);
- translations: `i18n._translations` looks the request's translations up once,
  not on each of the page's hundred or so messages;
- prebuilt statements: the signed-in user's lookup (`auth`), the assessment's
  (`services.access`) and a save's writes (`services.answers`) are built once;
  the script times building one and computing its cache key, against reusing it;
- scoring index: `scoring.method._index` derives what the method needs from a
  catalogue edition once (measured on scoring a country, in `benchmarks/scoring.py`).

    .venv/bin/python benchmarks/machinery.py [--requests 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECTION = "criminal-law"
RESPONDENT = "mex@demo.test"


def build_database(work: Path) -> Path:
    path = work / "demo.db"
    subprocess.run(
        [str(Path(sys.executable).with_name("questionnaire")), "demo", "--no-serve", "--db", str(path)],
        check=True,
        capture_output=True,
    )
    return path


@contextmanager
def switched_off(name: str) -> Iterator[None]:
    """Switch one mechanism off for the duration of the block."""
    from flask import g

    from questionnaire import forms, i18n, views
    from questionnaire.views import assessment

    caches = {
        "page cache": assessment.page_cache,
        "form classes": forms.form_classes,
        "item intros": assessment.item_intro_cache,
    }
    if name in caches:
        cache = caches[name]
        saved_size = cache.size
        cache.clear()
        cache.size = 0  # keeps nothing
        try:
            yield
        finally:
            cache.size = saved_size
    elif name == "CSRF reuse":
        saved_reuse = views.SignedTokens.REUSE_SECONDS
        views.SignedTokens.REUSE_SECONDS = 0
        try:
            yield
        finally:
            views.SignedTokens.REUSE_SECONDS = saved_reuse
    elif name == "translations":
        original = i18n._translations

        def every_time() -> Any:
            g.pop("_thbq_translations", None)
            return original()

        i18n._translations = every_time  # type: ignore[assignment]
        try:
            yield
        finally:
            i18n._translations = original  # type: ignore[assignment]
    else:
        yield


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="requests per variant and round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db_path = build_database(work)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(48)
        from questionnaire import create_app

        app = create_app({"RATELIMIT_ENABLED": False})
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/login", data={"email": RESPONDENT, "password": "demo-password", "csrf_token": token})
        url = f"/cycles/2026/countries/MEX/sections/{SECTION}"
        first = client.get(url)
        assert first.status_code == 200, first.status_code
        html = first.get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        version = int(re.search(r'name="item_CL_1-version"[^>]*value="(\d+)"', html).group(1))  # type: ignore[union-attr]
        counter = [0]

        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        def post() -> None:
            counter[0] += 1
            response = client.post(
                url,
                data={
                    "csrf_token": token,
                    "item_CL_1-rating": "partially",
                    "item_CL_1-description": f"benchmark {counter[0]}",
                    "item_CL_1-version": str(version + counter[0] - 1),
                },
                headers={"X-Autosave": "1"},
            )
            assert response.status_code == 200, response.get_data(as_text=True)[:300]

        def timed(action: Callable[[], None]) -> float:
            start = time.perf_counter()
            for _ in range(args.requests):
                action()
            return (time.perf_counter() - start) / args.requests

        # Each mechanism off, against the variant it is measured from: what the page cache
        # serves renders nothing, so the mechanisms of rendering are measured with it off.
        variants: dict[str, tuple[tuple[str, ...], str]] = {
            "all on": ((), "all on"),
            "page cache": (("page cache",), "all on"),
            "CSRF reuse": (("CSRF reuse",), "all on"),
            "form classes": (("form classes",), "all on"),
            "item intros": (("page cache", "item intros"), "page cache"),
            "translations": (("page cache", "translations"), "page cache"),
        }
        times: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for variant, (off, _reference) in variants.items():
                with ExitStack() as stack:
                    for name in off:
                        stack.enter_context(switched_off(name))
                    times.setdefault((variant, "GET"), []).append(timed(get))
                    times.setdefault((variant, "POST"), []).append(timed(post))

        medians = {key: statistics.median(values) for key, values in times.items()}
        print(f"{args.rounds} rounds of {args.requests} requests per variant; medians per request")
        print(
            f"all on: section GET {medians[('all on', 'GET')] * 1000:.2f} ms, "
            f"autosave POST {medians[('all on', 'POST')] * 1000:.2f} ms"
        )
        for variant, (_off, reference) in list(variants.items())[1:]:
            cells = []
            for kind in ("GET", "POST"):
                median, base = medians[(variant, kind)], medians[(reference, kind)]
                cells.append(f"{kind} {median * 1000:.2f} ms ({median / base:.2f}x)")
            against = "everything else on" if reference == "all on" else f"{reference} off too"
            print(f"{variant} off ({against}): " + ", ".join(cells))
        with app.app_context():
            statements()


def statements(repeat: int = 2000) -> None:
    """Time building each prebuilt statement (and SQLAlchemy's cache key of it) against reusing it."""
    import timeit

    from questionnaire import auth
    from questionnaire.services import access, answers

    rebuilt = {
        "signed-in user": auth.session_user_statement,
        "assessment": access.assessment_statement,
        "save (update + audit insert)": answers.save_statements,
    }
    for name, build in rebuilt.items():

        def fresh(build: Callable[[], Any] = build) -> None:
            made = build()
            for statement in made if isinstance(made, tuple) else (made,):
                statement._generate_cache_key()

        cost = timeit.timeit(fresh, number=repeat) / repeat
        print(f"statement {name}: {cost * 1e6:.0f} µs to build and key each time (none when reused)")


if __name__ == "__main__":
    main()
