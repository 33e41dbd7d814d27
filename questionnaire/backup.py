"""Full-instance backup and restore: `questionnaire backup -o FILE`, `questionnaire restore FILE`.

A backup is a JSON-lines file (gzip-compressed when its name ends in `.gz`):

- line 1, the header: format name and version, the schema revision (Alembic),
  when and from which kind of database it was made, and each table's columns
  in the order the rows give them;
- one line per row, table by table in dependency order:
  ``{"table": "answer", "row": [...]}``;
- the last line: ``{"end": true, "rows": {table: count}, "sha256": "…"}`` where
  the SHA-256 is that of every byte before this line.

Restoring checks the whole file first (format, schema revision, columns, row
counts, checksum) and writes nothing unless all of it is right; it then loads
every row in one transaction into an empty database, keeping ids, timestamps
and versions, and moves PostgreSQL's id sequences past the restored ids.  The
checksum detects damage and truncation; it is not a signature (whoever can
write the file can recompute it), so keep backups where only operators can
write.

Sign-in sessions are not backed up: after a restore everyone signs in again.
Evidence files kept in the database (the default storage) are in the backup: binary
columns are written as base64 text, and their rows are read and loaded a few at a time.
Finished meeting-pack files live in the instance folder, not the database:
their job rows are restored, the files are not (generate the pack again).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from .db import Base, upgrade_schema

FORMAT = "thbq-backup"
FORMAT_VERSION = 1
# Tables left out on purpose, and why (shown in the header and the docs).
EXCLUDED = {"login_session": "sign-in sessions are not kept: everyone signs in again after a restore"}
# Tables whose rows may be present in an "empty" database: the migrations seed them.
REFERENCE_TABLES = {"country"}
BATCH = 1000

_ALEMBIC = Table("alembic_version", MetaData(), Column("version_num", String(32), primary_key=True))


class BackupError(RuntimeError):
    """A backup cannot be written or restored; the message says why and what to do."""


@dataclass
class Summary:
    """What a backup or restore did."""

    path: str
    schema_revision: str
    rows: dict[str, int] = field(default_factory=dict)
    sha256: str = ""

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def backed_up_tables() -> list[Table]:
    """Return the tables a backup holds, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED]


# --------------------------------------------------------------------------
# Engines with real transactions on SQLite
# --------------------------------------------------------------------------


def _engine(url: str, *, snapshot: bool = False) -> Engine:
    """Return an engine whose transactions are real ones on both databases.

    Python's sqlite3 module starts a transaction only before a write, so each
    read would see its own state; here BEGIN is issued explicitly (IMMEDIATE
    for a restore, so no one writes in between the check and the load).  On
    PostgreSQL a backup reads in one REPEATABLE READ snapshot.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})
        begin = "BEGIN" if snapshot else "BEGIN IMMEDIATE"

        @event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql(begin)

        return engine
    if snapshot:
        return create_engine(url, isolation_level="REPEATABLE READ")
    return create_engine(url)


def schema_revision(connection: Connection) -> str | None:
    """Return the database's Alembic revision (None when it has no schema yet)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(select(_ALEMBIC.c.version_num))


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


def _dump_value(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):  # a binary column (evidence files): base64 text
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):  # a day (a cycle's due date, an evidence file's date): YYYY-MM-DD
        return value.isoformat()
    return value


def _loader(column: Column[Any]) -> Any:
    if isinstance(column.type, LargeBinary):

        def to_bytes(value: Any) -> Any:
            return None if value is None else base64.b64decode(value, validate=True)

        return to_bytes
    if isinstance(column.type, Date):

        def to_date(value: Any) -> Any:
            return None if value is None else date.fromisoformat(value)

        return to_date
    if isinstance(column.type, DateTime) or isinstance(getattr(column.type, "impl", None), DateTime):

        def to_datetime(value: Any) -> Any:
            if value is None:
                return None
            parsed = datetime.fromisoformat(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

        return to_datetime
    return None


def _restore_table(table: Table) -> Table:
    """Return a copy of the table whose JSON columns write None as SQL NULL (as a fresh row has)."""
    copy = table.to_metadata(MetaData())
    for column in copy.columns:
        if isinstance(column.type, JSON):
            column.type = JSON(none_as_null=True)
    return copy


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


# Rows holding files (evidence) are read and loaded this many at a time, and a batch of rows
# being loaded is written once its files reach _BINARY_BYTES, so memory stays bounded.
_BINARY_BATCH = 4
_BINARY_BYTES = 64 * 1024 * 1024


def _has_binary(table: Table) -> bool:
    return any(isinstance(c.type, LargeBinary) for c in table.columns)


class _HashingWriter:
    """Write lines to a binary stream and hash every byte written."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()

    def line(self, data: Any) -> None:
        raw = (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        self.digest.update(raw)
        self.stream.write(raw)


def write_backup(url: str, stream: IO[bytes], path: str = "") -> Summary:
    """Write a backup of the database at `url` to a binary stream, from one consistent snapshot."""
    engine = _engine(url, snapshot=True)
    tables = backed_up_tables()
    try:
        with engine.begin() as connection:
            revision = schema_revision(connection)
            if revision is None:
                raise BackupError("The database has no schema yet: there is nothing to back up.")
            summary = Summary(path=path, schema_revision=revision)
            writer = _HashingWriter(stream)
            writer.line(
                {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": datetime.now(UTC).isoformat(),
                    "schema_revision": revision,
                    "source_database": connection.dialect.name,
                    "tables": [{"name": t.name, "columns": [c.name for c in t.columns]} for t in tables],
                    "excluded": EXCLUDED,
                }
            )
            for table in tables:
                count = 0
                query = select(table).order_by(*table.primary_key.columns)
                per = _BINARY_BATCH if _has_binary(table) else BATCH  # files: a few rows in memory at a time
                for row in connection.execution_options(yield_per=per).execute(query):
                    writer.line({"table": table.name, "row": [_dump_value(v) for v in row]})
                    count += 1
                summary.rows[table.name] = count
            summary.sha256 = writer.digest.hexdigest()
            end = {"end": True, "rows": summary.rows, "sha256": summary.sha256}
            stream.write((json.dumps(end, separators=(",", ":")) + "\n").encode("utf-8"))
    finally:
        engine.dispose()
    return summary


def backup_to_file(url: str, path: Path) -> Summary:
    """Write a backup to a file (gzip if it ends in .gz), readable by its owner only, atomically."""
    path = path.resolve()
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give a file name, such as backup.jsonl.gz.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    fd, temporary = tempfile.mkstemp(prefix=".backup-", dir=path.parent)  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as raw:
            if path.name.endswith(".gz"):
                with gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as stream:
                    summary = write_backup(url, stream, str(path))  # type: ignore[arg-type]
            else:
                summary = write_backup(url, raw, str(path))
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


# --------------------------------------------------------------------------
# Reading and checking
# --------------------------------------------------------------------------


@dataclass
class _Header:
    revision: str
    source: str
    created_at: str
    columns: dict[str, list[str]]
    order: list[str]


def _open(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    try:
        with _open(path) as stream:
            yield from enumerate(stream, 1)
    except (EOFError, OSError) as error:  # a cut or damaged gzip stream
        raise BackupError(
            f"{path} cannot be read as a backup ({error}): it is damaged or truncated; nothing was restored."
        ) from None


def _parse(path: Path, number: int, raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path}:{number}: not a valid backup line ({error}); nothing was restored.") from None


def _check_header(path: Path, data: Any) -> _Header:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(
            f"{path} is not a backup of this platform (its first line does not name the format '{FORMAT}')."
        )
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{path} has backup format version {version!r}; this version of the platform "
            f"reads version {FORMAT_VERSION} and older. Restore it with a newer version."
        )
    tables = data.get("tables")
    if not isinstance(tables, list) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("columns"), list) for t in tables
    ):
        raise BackupError(f"{path}:1: the header's list of tables is damaged.")
    return _Header(
        revision=str(data.get("schema_revision")),
        source=str(data.get("source_database", "?")),
        created_at=str(data.get("created_at", "?")),
        columns={t["name"]: [str(c) for c in t["columns"]] for t in tables},
        order=[t["name"] for t in tables],
    )


def verify_backup(path: Path) -> tuple[_Header, Summary]:
    """Check a backup file from end to end without touching any database."""
    digest = hashlib.sha256()
    header: _Header | None = None
    counts: dict[str, int] = {}
    previous: tuple[int, bytes] | None = None
    position = 0  # index in header.order of the table being read

    def check_row(number: int, raw: bytes) -> None:
        nonlocal header, position
        data = _parse(path, number, raw)
        if header is None:
            header = _check_header(path, data)
            counts.update({name: 0 for name in header.order})
            return
        if not isinstance(data, dict) or "table" not in data or not isinstance(data.get("row"), list):
            raise BackupError(f"{path}:{number}: a row line is damaged; nothing was restored.")
        name = data["table"]
        if name not in header.columns:
            raise BackupError(f"{path}:{number}: rows of a table the header does not list ({name!r}).")
        while header.order[position] != name:
            position += 1
            if position >= len(header.order):
                raise BackupError(f"{path}:{number}: rows of {name} out of order; the file was altered.")
        if len(data["row"]) != len(header.columns[name]):
            raise BackupError(
                f"{path}:{number}: a row of {name} has {len(data['row'])} values, "
                f"the header names {len(header.columns[name])} columns."
            )
        counts[name] += 1

    for number, raw in _lines(path):
        if previous is not None:
            digest.update(previous[1])
            check_row(*previous)
        previous = (number, raw)
    if previous is None:
        raise BackupError(f"{path} is empty: it is not a backup.")
    number, raw = previous
    end = _parse(path, number, raw)
    if not isinstance(end, dict) or end.get("end") is not True:
        raise BackupError(
            f"{path} is incomplete: its last line is not the end marker, so it was cut "
            "short (a copy or a backup that did not finish). Nothing was restored."
        )
    if header is None:
        raise BackupError(f"{path} has no header line: it is not a backup.")
    if end.get("sha256") != digest.hexdigest():
        raise BackupError(
            f"{path} does not match its checksum: it was changed or damaged after it was written. Nothing was restored."
        )
    if end.get("rows") != counts:
        raise BackupError(f"{path}: the row counts at its end do not match its rows. Nothing was restored.")
    summary = Summary(path=str(path), schema_revision=header.revision, rows=counts, sha256=digest.hexdigest())
    return header, summary


def _rows(path: Path, header: _Header) -> Iterator[tuple[str, list[Any]]]:
    lines = _lines(path)
    next(lines)  # the header
    for _number, raw in lines:
        data = json.loads(raw)
        if data.get("end") is True:
            return
        yield data["table"], data["row"]


# --------------------------------------------------------------------------
# Restoring
# --------------------------------------------------------------------------


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _ensure_schema() -> None:
    """Create the schema, through the migrations, in the application's database (which has none)."""
    upgrade_schema()


def _refuse_unless_empty(connection: Connection, tables: dict[str, Table]) -> None:
    busy = {
        name: n for name, table in tables.items() if name not in REFERENCE_TABLES and (n := _count(connection, table))
    }
    for name in EXCLUDED:
        if n := _count(connection, Base.metadata.tables[name]):
            busy[name] = n
    if busy:
        held = ", ".join(f"{n} {name}" for name, n in busy.items())
        raise BackupError(
            f"The database is not empty (it holds {held} rows). A backup is restored only "
            "into an empty database: create a new one, run `questionnaire db upgrade` "
            "(or let restore create the schema), and restore into it. "
            "Nothing was restored."
        )


def _fix_sequences(connection: Connection, tables: list[Table]) -> None:
    """Move PostgreSQL's id sequences past the restored ids, so new rows get fresh ones."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer):
            continue
        key = keys[0]
        sequence = connection.scalar(select(func.pg_get_serial_sequence(table.name, key.name)))
        if sequence is None:
            continue
        highest = connection.scalar(select(func.coalesce(func.max(key), 0)))
        connection.execute(select(func.setval(sequence, int(highest or 0) + 1, False)))


def restore(url: str, path: Path) -> Summary:
    """Restore a backup into the empty database at `url`, in one transaction.

    Runs inside an application context bound to the same database: when the
    database has no schema yet, it is created there through the migrations.
    """
    path = Path(path)
    header, summary = verify_backup(path)
    tables = {t.name: t for t in backed_up_tables()}
    missing = [name for name in tables if name not in header.columns]
    unknown = [name for name in header.columns if name not in tables]
    if missing or unknown:
        raise BackupError(
            f"{path} does not hold the tables this version of the platform has "
            f"(missing: {', '.join(missing) or 'none'}; unknown: {', '.join(unknown) or 'none'}). "
            "Nothing was restored."
        )
    for name, table in tables.items():
        expected = [c.name for c in table.columns]
        if sorted(header.columns[name]) != sorted(expected):
            raise BackupError(
                f"{path}: the columns of {name} differ from this version's "
                f"({', '.join(header.columns[name])} instead of {', '.join(expected)}). "
                "Nothing was restored."
            )

    engine = _engine(url)
    try:
        with engine.connect() as probe:
            current = schema_revision(probe)
        if current is None:
            _ensure_schema()
            with engine.connect() as probe:
                current = schema_revision(probe)
        if current != header.revision:
            raise BackupError(
                f"{path} was made at schema revision {header.revision}; this database is at "
                f"{current}. Restore it with the version of the platform whose schema is "
                f"{header.revision} (into an empty database), then run `questionnaire db upgrade`. "
                "Nothing was restored."
            )
        with engine.connect() as probe:
            _refuse_unless_empty(probe, tables)  # early, before waiting for any lock
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # No one writes between the emptiness check and the commit; an application
                # still connected makes this wait, so give up after a while with a clear message.
                connection.exec_driver_sql("SET LOCAL lock_timeout = '15s'")
                quote = connection.dialect.identifier_preparer.format_table
                names = ", ".join(quote(t) for t in Base.metadata.sorted_tables)
                try:
                    connection.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
                except OperationalError:
                    raise BackupError(
                        "The database is in use: another connection holds its tables. Stop the "
                        "application servers and workers, then restore again. Nothing was restored."
                    ) from None
            _refuse_unless_empty(connection, tables)
            try:
                for name in REFERENCE_TABLES:
                    connection.execute(delete(tables[name]))
                _load(connection, path, header, tables)
                if connection.dialect.name == "postgresql":
                    _fix_sequences(connection, list(tables.values()))
            except SQLAlchemyError as error:  # leaving the block rolls everything back
                raise BackupError(
                    f"The database refused the backup's rows ({_reason(error)}); the restore was "
                    "undone and the database is as it was."
                ) from None
    except SQLAlchemyError as error:
        raise BackupError(f"The database could not be used ({_reason(error)}). Nothing was restored.") from None
    finally:
        engine.dispose()
    summary.path = str(path)
    return summary


def _reason(error: SQLAlchemyError) -> str:
    return str(getattr(error, "orig", None) or error).strip().splitlines()[0]


def _load(connection: Connection, path: Path, header: _Header, tables: dict[str, Table]) -> None:
    targets = {name: _restore_table(table) for name, table in tables.items()}
    loaders = {name: [_loader(target.columns[c]) for c in header.columns[name]] for name, target in targets.items()}
    batch: list[dict[str, Any]] = []
    current: str | None = None
    held = 0  # bytes of files in the batch

    def flush() -> None:
        nonlocal held
        if batch and current is not None:
            connection.execute(insert(targets[current]), batch)
            batch.clear()
        held = 0

    for name, values in _rows(path, header):
        if name != current:
            flush()
            current = name
        names = header.columns[name]
        row = {}
        for column, value, load in zip(names, values, loaders[name], strict=True):
            row[column] = load(value) if load else value
        batch.append(row)
        held += sum(len(v) for v in row.values() if isinstance(v, bytes))
        if len(batch) >= BATCH or held >= _BINARY_BYTES:
            flush()
    flush()


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _database_url() -> str:
    from flask import current_app

    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _shown(url: str) -> str:
    """Return the database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(main: click.Group) -> None:
    """Add `backup` and `restore` to the command line."""
    from flask.cli import with_appcontext

    @main.command("backup")
    @click.option(
        "-o",
        "--output",
        "output",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The file to write (compressed with gzip if it ends in .gz).",
    )
    @with_appcontext
    def backup_command(output: Path) -> None:
        """Write a full backup of the instance (every table but sign-in sessions) to a file."""
        url = _database_url()
        try:
            summary = backup_to_file(url, output)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"wrote {summary.total} rows of {len(summary.rows)} tables from {_shown(url)} "
            f"(schema {summary.schema_revision}) to {output}"
        )
        click.echo(f"sha256 {summary.sha256}")

    @main.command("restore")
    @click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--check",
        is_flag=True,
        help="Only check the file (format, checksum, counts); write nothing.",
    )
    @with_appcontext
    def restore_command(backup_file: Path, check: bool) -> None:
        """Restore a backup into an empty database (DATABASE_URL), in one transaction."""
        url = _database_url()
        try:
            if check:
                header, summary = verify_backup(backup_file)
                click.echo(
                    f"{backup_file}: ok: {summary.total} rows of {len(summary.rows)} tables, "
                    f"schema {header.revision}, made {header.created_at} from {header.source}"
                )
                return
            summary = restore(url, backup_file)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"restored {summary.total} rows of {len(summary.rows)} tables (schema "
            f"{summary.schema_revision}) into {_shown(url)}"
        )
        for name, count in summary.rows.items():
            click.echo(f"  {name:<20} {count:>8}")


__all__ = [
    "BackupError",
    "Summary",
    "backup_to_file",
    "register",
    "restore",
    "verify_backup",
    "write_backup",
]
