"""Two-factor sign-in as production has it: reviewers and admins cannot act without a second factor,
a code works once, recovery codes work once, attempts are throttled, demo accounts are not asked."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest

from questionnaire import auth, two_factor
from questionnaire.cli import main
from questionnaire.db import db
from questionnaire.models import User

from ..conftest import PASSWORD, enrol, next_code

# Every page a reviewer works on (and the admin's), which an account without a second factor must not reach.
REVIEWER_PAGES = [
    "/",
    "/review",
    "/cycles/2026/compare",
    "/cycles/2026/participation",
    "/cycles/2026/export/scores.csv",
    "/cycles/2026/recommendations",
    "/catalogue/",
    "/account",
]
ADMIN_PAGES = ["/admin/users", "/admin/cycles"]


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SECOND_FACTOR_REQUIRED": True}  # as in production (the suite's default turns it off)


def _password_step(client: Any, email: str, password: str = PASSWORD) -> Any:
    token = client.csrf_token("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def _code_step(client: Any, code: str) -> Any:
    return client.post(
        "/login/second-factor", data={"code": code, "csrf_token": client.csrf_token("/login/second-factor")}
    )


@pytest.mark.parametrize("page", REVIEWER_PAGES + ADMIN_PAGES)
@pytest.mark.parametrize("email", ["reviewer@example.org", "admin@example.org"])
def test_a_reviewer_or_admin_without_a_second_factor_reaches_no_page(make_client, users, cycle, email, page) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    signed = _password_step(client, email)
    assert signed.headers["Location"].endswith("/account/two-factor")
    response = client.get(page)
    if page in ADMIN_PAGES and email == "reviewer@example.org":
        assert response.status_code in (303, 404)
    else:
        assert response.status_code == 303 and response.headers["Location"].endswith("/account/two-factor")
    # Nor can it change anything: a form sent anyway is turned back to the set-up page.
    posted = client.post_form("/cycles/2026/countries/FRA/accept", {"comment": "x"}, page="/account/two-factor")
    assert posted.status_code == 303
    # The set-up page itself, and signing out, still work.
    assert client.get("/account/two-factor").status_code == 200


def test_the_api_refuses_a_reviewer_without_a_second_factor(app, users, cycle) -> None:  # type: ignore[no-untyped-def]
    token = auth.issue_token(users["reviewer"], "script")
    client = app.test_client()
    response = client.get("/api/v1/cycles/2026/scores", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert "second factor" in response.get_json()["error"]["message"]
    enrol(users["reviewer"])
    assert client.get("/api/v1/cycles/2026/scores", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_respondent_is_not_asked_and_may_choose_a_second_factor(make_client, users) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.login("fra@example.org")
    assert client.get("/").status_code == 200
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "Type the six-digit code" in page


def test_enrolment_by_qr_code_then_every_sign_in_asks_for_a_code(make_client, users) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    _password_step(client, "reviewer@example.org")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # the QR code is drawn here, fetched from nowhere
    secret = re.search(r'<code class="secret-key"[^>]*>([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    wrong = client.post_form("/account/two-factor", {"code": "000000"})
    assert wrong.status_code == 400 and "This code is not right" in wrong.get_data(as_text=True)
    done = client.post_form("/account/two-factor", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z0-9-]{14})</code></li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    assert client.get("/review").status_code == 200  # the platform opens
    # The next sign-in asks for a code after the password.
    other = make_client()
    first = _password_step(other, "reviewer@example.org")
    assert first.headers["Location"].endswith("/login/second-factor")
    assert other.get("/review").status_code == 302  # not signed in yet
    assert _code_step(other, next_code("reviewer@example.org")).status_code == 302
    assert other.get("/review").status_code == 200


def test_a_code_cannot_be_used_twice(make_client, users) -> None:  # type: ignore[no-untyped-def]
    enrol(users["reviewer"])
    code = next_code("reviewer@example.org")
    first = make_client()
    _password_step(first, "reviewer@example.org")
    assert _code_step(first, code).status_code == 302
    replay = make_client()
    _password_step(replay, "reviewer@example.org")
    refused = _code_step(replay, code)
    assert refused.status_code == 401 and "used already" in refused.get_data(as_text=True)
    assert replay.get("/review").status_code == 302
    # An earlier code of the same window is refused too: only later time steps count.
    secret = db.session.get(User, users["reviewer"].id).totp_secret
    earlier = pyotp.TOTP(secret).generate_otp(int(time.time() // 30) - 1)
    assert _code_step(replay, earlier).status_code == 401


def test_a_recovery_code_works_once(make_client, users) -> None:  # type: ignore[no-untyped-def]
    codes = enrol(users["reviewer"])
    client = make_client()
    _password_step(client, "reviewer@example.org")
    signed = _code_step(client, codes[0].upper().replace("-", " "))  # typed loosely
    assert signed.status_code == 302
    assert "9 are left" in client.get("/").get_data(as_text=True)
    again = make_client()
    _password_step(again, "reviewer@example.org")
    assert _code_step(again, codes[0]).status_code == 401


def test_wrong_codes_are_throttled(make_client, users) -> None:  # type: ignore[no-untyped-def]
    enrol(users["reviewer"])
    client = make_client()
    _password_step(client, "reviewer@example.org")
    statuses = [_code_step(client, f"{n:06d}").status_code for n in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # Even the right code waits: the limit is per account, so guessing cannot go on.
    assert _code_step(client, next_code("reviewer@example.org")).status_code == 429


def test_the_password_step_expires(make_client, users, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from questionnaire.views import auth as auth_views

    enrol(users["reviewer"])
    client = make_client()
    _password_step(client, "reviewer@example.org")
    code, token = next_code("reviewer@example.org"), client.csrf_token("/login")
    monkeypatch.setattr(auth_views, "PENDING_SECONDS", -1)  # as if five minutes had passed
    response = client.post("/login/second-factor", data={"code": code, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_wrong_password_never_reaches_the_code_step(make_client, users) -> None:  # type: ignore[no-untyped-def]
    enrol(users["reviewer"])
    client = make_client()
    assert _password_step(client, "reviewer@example.org", "wrong password here").status_code == 401
    assert client.get("/login/second-factor").headers["Location"].endswith("/login")


def test_demo_accounts_are_not_asked(make_client, users) -> None:  # type: ignore[no-untyped-def]
    users["reviewer"].demo = True
    db.session.commit()
    client = make_client()
    assert _password_step(client, "reviewer@example.org").headers["Location"].endswith("/")
    assert client.get("/review").status_code == 200


def test_mfa_reset_on_the_command_line_and_by_an_admin(app, make_client, users) -> None:  # type: ignore[no-untyped-def]
    enrol(users["reviewer"])
    signed_in = make_client()
    signed_in.login("reviewer@example.org")
    result = app.test_cli_runner().invoke(main, ["users", "mfa-reset", "reviewer@example.org"])
    assert result.exit_code == 0 and "removed the second factor" in result.output
    assert signed_in.get("/review").status_code == 302  # signed out everywhere
    user = db.session.get(User, users["reviewer"].id)
    db.session.refresh(user)
    assert not two_factor.enrolled(user) and two_factor.recovery_codes_left(user) == 0
    # The admin's button does the same (the admin signs in with their own second factor).
    enrol(user)
    enrol(users["admin"])
    admin = make_client()
    admin.login("admin@example.org")
    page = f"/admin/users/{user.id}"
    assert "Reset the second factor" in admin.get(page).get_data(as_text=True)
    done = admin.post_form(f"/admin/users/{user.id}/second-factor/reset", page=page, follow_redirects=True)
    assert "was removed" in done.get_data(as_text=True)
    db.session.refresh(user)
    assert not two_factor.enrolled(user)
    assert app.test_cli_runner().invoke(main, ["users", "mfa-reset", "nobody@example.org"]).exit_code == 1


def test_a_required_second_factor_cannot_be_turned_off(make_client, users) -> None:  # type: ignore[no-untyped-def]
    enrol(users["reviewer"])
    client = make_client()
    client.login("reviewer@example.org")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Turn the second factor off" not in page
    response = client.post_form(
        "/account/two-factor/remove", {"remove-code": next_code("reviewer@example.org")}, page="/account/two-factor"
    )
    assert response.status_code == 302
    assert two_factor.enrolled(db.session.get(User, users["reviewer"].id))
