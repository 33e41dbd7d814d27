"""The database: declarative base, the Flask-SQLAlchemy handle, SQLite settings and the migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from flask_migrate import Migrate
from flask_migrate import upgrade as _upgrade
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def table_of(model: type[Base]) -> Table:
    """The table of a mapped class, for table-level statements (typed: `__table__` is any FromClause)."""
    return cast(Table, model.__table__)


def rowcount(result: Result[Any]) -> int:
    """The number of rows an UPDATE or DELETE matched (its result is a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
#: The Alembic migrations: every schema change goes through them.
MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")
migrate = Migrate(directory=MIGRATIONS)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Give every SQLite connection WAL, foreign keys and a busy timeout."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    # FULL: an acknowledged save survives a power cut as well as a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def init_app(app: Any) -> None:
    """Bind the database to the application."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
    else:
        # A server may drop idle connections; test each one as it leaves the pool.
        # (A SQLite file cannot go away under an open connection: no test needed.)
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)


def upgrade_schema() -> None:
    """Bring the bound database's schema up to date through the migrations (the one way the schema changes)."""
    _upgrade(directory=MIGRATIONS)


def is_sqlite() -> bool:
    """Tell whether the bound database is SQLite."""
    return db.engine.dialect.name == "sqlite"
