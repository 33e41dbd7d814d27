"""Reference data and schema set-up shared by the demo, the tests and operators."""

from __future__ import annotations

import csv
from pathlib import Path

from flask import current_app
from sqlalchemy import func, insert, inspect, select

from .db import db, table_of, upgrade_schema
from .models import Country

COUNTRIES_CSV = Path(__file__).resolve().parent / "data" / "countries.csv"


def country_rows() -> list[dict[str, str]]:
    """Read the ISO 3166-1 countries with their UN M49 regions."""
    with COUNTRIES_CSV.open(encoding="utf-8") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [dict(row) for row in csv.DictReader(lines)]


def load_countries() -> int:
    """Insert the countries if the table is empty; return how many were inserted."""
    if db.session.scalar(select(func.count()).select_from(Country)):
        return 0
    rows = country_rows()
    db.session.execute(insert(table_of(Country)), rows)  # by column: the CSV's "name" is the English name
    db.session.commit()
    return len(rows)


def ensure_schema() -> None:
    """Bring the schema up to date with the migrations and load the countries."""
    with current_app.app_context():
        upgrade_schema()
    if "country" in inspect(db.engine).get_table_names():
        load_countries()
