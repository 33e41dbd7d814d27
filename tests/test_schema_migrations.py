"""The migrations build exactly the schema the models declare (nothing forgotten in either)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from questionnaire.db import db


def test_migrated_schema_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, db.metadata)
    assert differences == [], differences
