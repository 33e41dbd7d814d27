"""Evidence files through the JSON API: attach (multipart), list, download, remove, under the same rules."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from sqlalchemy import select

from questionnaire import services
from questionnaire.auth import issue_token
from questionnaire.db import db
from questionnaire.models import AnswerChange

from ..api.conftest import Api
from .conftest import API, HTML_PAGE, attach, image, pdf, zip_bomb

EVIDENCE = f"{API}/answers/CL-1/evidence"


@pytest.fixture
def api(app: Any) -> Api:
    return Api(app.test_client())


@pytest.fixture
def tokens(users: dict[str, Any]) -> dict[str, str]:
    return {name: issue_token(user, "tests") for name, user in users.items()}


def _upload(api: Api, token: str, data: bytes, name: str = "loi.pdf", **fields: Any) -> Any:
    form = {"file": (io.BytesIO(data), name), "title": "Loi n° 2013-711", "date": "2013-08-05", **fields}
    return api.post(EVIDENCE, token, data=form, content_type="multipart/form-data")


def test_attach_list_download_and_remove(api, tokens, users, fra):
    response = _upload(api, tokens["fra"], pdf(), shared="true")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["title"] == "Loi n° 2013-711" and body["date"] == "2013-08-05" and body["shared"] is True
    assert body["media_type"] == "application/pdf" and body["sha256"] == hashlib.sha256(pdf()).hexdigest()
    assert body["size"] == len(pdf()) and body["filename"] == "loi.pdf" and body["uploaded_by"] == "fra@example.org"
    assert response.headers["Location"] == body["download"] == f"{EVIDENCE}/{body['id']}".replace("fra", "FRA")

    listed = api.get(EVIDENCE, tokens["fra"]).get_json()
    assert listed["item"] == "CL-1" and [f["id"] for f in listed["files"]] == [body["id"]]

    download = api.get(body["download"], tokens["fra"])
    assert download.status_code == 200 and download.data == pdf()
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"

    assert api.call("DELETE", body["download"], tokens["fra"]).status_code == 204
    assert api.get(EVIDENCE, tokens["fra"]).get_json()["files"] == []
    trail = [c.changes for c in db.session.scalars(select(AnswerChange).where(AnswerChange.source == "api"))]
    assert [list(c) for c in trail] == [["evidence"], ["evidence"]]
    history = api.get(f"{API}/history?item=CL-1", tokens["fra"]).get_json()["changes"]
    assert history[-1]["changes"]["evidence"][1] is None


@pytest.mark.parametrize(
    ("data", "name", "field", "status"),
    [
        (HTML_PAGE, "loi.pdf", "file", 422),
        (pdf(tail=b"<script>alert(1)</script>"), "loi.pdf", "file", 422),
        (zip_bomb(entries=4), "decret.docx", "file", 422),
    ],
)
def test_attacks_are_refused_naming_the_field(api, tokens, fra, data, name, field, status):
    response = _upload(api, tokens["fra"], data, name)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert field in error["errors"] and error["item"] == "CL-1"
    assert api.get(EVIDENCE, tokens["fra"]).get_json()["files"] == []


def test_too_large(api, tokens, fra, app):
    app.config["EVIDENCE_MAX_BYTES"] = 50_000
    response = _upload(api, tokens["fra"], pdf(body=b" " * 60_000))
    assert response.status_code == 413 and "file" in response.get_json()["error"]["errors"]
    far = _upload(api, tokens["fra"], b"%PDF-" + bytes(1_000_000))
    assert far.status_code == 413 and far.get_json()["error"]["status"] == 413


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"shared": "maybe"}, "shared"),
        ({"date": ""}, "date"),
        ({"date": "31/12/2024"}, "date"),
        ({"title": ""}, "title"),
        ({"title": "a" + "\x01" * 300}, "title"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_form_fields_that_break_a_rule(api, tokens, fra, fields, field):
    response = _upload(api, tokens["fra"], pdf(), **fields)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["errors"]


def test_a_json_body_is_refused_with_415(api, tokens, fra):
    response = api.post(EVIDENCE, tokens["fra"], body={"title": "x"})
    assert response.status_code == 415


def test_reviewers_list_and_download_shared_files_only(api, tokens, users, fra):
    shared = attach(users["fra"], fra, title="Loi publiée", shared=True)
    internal = attach(users["fra"], fra, data=image("PNG"), title="Note interne", shared=False)
    assert api.get(EVIDENCE, tokens["reviewer"]).status_code == 404, "a draft is private"
    services.submit(users["fra"], fra)
    listed = api.get(EVIDENCE, tokens["reviewer"]).get_json()
    assert [f["title"] for f in listed["files"]] == ["Loi publiée"]
    assert api.get(f"{EVIDENCE}/{shared.id}", tokens["reviewer"]).status_code == 200
    hidden = api.get(f"{EVIDENCE}/{internal.id}", tokens["reviewer"])
    missing = api.get(f"{EVIDENCE}/999999", tokens["reviewer"])
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()
    assert api.call("DELETE", f"{EVIDENCE}/{internal.id}", tokens["reviewer"]).status_code == 404
    assert api.call("DELETE", f"{EVIDENCE}/{shared.id}", tokens["reviewer"]).status_code == 403
    history = api.get(f"{API}/history", tokens["reviewer"]).get_json()["changes"]
    assert "Note interne" not in str(history) and "Loi publiée" in str(history)
    own = [f["title"] for f in api.get(EVIDENCE, tokens["fra"]).get_json()["files"]]
    assert own == ["Loi publiée", "Note interne"]


def test_another_countrys_user_gets_404_for_everything(api, tokens, users, fra, deu):
    file = attach(users["fra"], fra, shared=True)
    assert _upload(api, tokens["deu"], pdf()).status_code == 404
    assert api.get(EVIDENCE, tokens["deu"]).status_code == 404
    assert api.get(f"{EVIDENCE}/{file.id}", tokens["deu"]).status_code == 404
    assert api.call("DELETE", f"{EVIDENCE}/{file.id}", tokens["deu"]).status_code == 404
    # A file of CL-1 under another item's address is not found either.
    assert api.get(f"{API}/answers/CL-2/evidence/{file.id}", tokens["fra"]).status_code == 404
    assert len(services.evidence.files_by_item(users["fra"], fra)["CL-1"]) == 1
