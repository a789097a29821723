"""Where reviews are kept: a SQLite file (the default, one person on a laptop) or a PostgreSQL
database (a lab's shared server), chosen by one setting.

``open_backend(target)``: a ``postgresql://`` or ``postgres://`` URL (any libpq URL, e.g.
``postgresql://user@/db?host=/run/postgresql&port=5432``) opens PostgreSQL through psycopg 3;
anything else is a SQLite path. Both speak the same SQL (``?`` placeholders, ``ON CONFLICT``
upserts) and apply the same migrations (``migrations/NNNN_*.sql``, in order, each in one
transaction, the version kept in ``meta``). A write is one transaction that first takes a lock
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock on the row's key), so concurrent
saves queue instead of overwriting each other. A failed connect is retried; a connection lost
inside a write is reported (nothing is ever dropped silently).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

from data_access.errors import SECRET_MASK, without_secrets
from data_access.reviews.taxonomy import ReviewError

MIGRATIONS = Path(__file__).parent / "migrations"
LOCK_TIMEOUT = 30.0  # seconds a writer waits for another one's lock before giving up
CONNECT_ATTEMPTS = 3


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """A database URL fit to show: its password (``user:pw@``, ``?password=``) replaced by
    ``***``, without parsing it (a malformed URL is shown the same way)."""
    return without_secrets(url)


def _password(url: str) -> str | None:
    m = re.match(r"[a-z][a-z0-9+.-]*://[^/\s:@]*:([^@\s]*)@", url, re.IGNORECASE)
    return m.group(1) if m else None


def _scrubbed(message: str, url: str) -> str:
    """A driver's message without the URL's password, as written or percent-decoded (psycopg
    quotes the bad token of a malformed URL, which may be the password)."""
    secret = _password(url)
    for form in {secret, unquote(secret)} if secret else ():
        if form:
            message = message.replace(form, SECRET_MASK)
    return without_secrets(message)


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every migration file, in order."""
    out = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        out.append((int(path.name.split("_", 1)[0]), path.read_text()))
    return out


def statements(sql: str) -> list[str]:
    """The statements of a migration file (``;``-separated, comments dropped)."""
    text = re.sub(r"--[^\n]*", "", sql)
    return [s.strip() for s in text.split(";") if s.strip()]


class SqliteBackend:
    """A SQLite file, WAL journal, full sync: a saved review survives a killed process."""

    kind = "sqlite"
    identity = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.where = str(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ReviewError(self.path, f"cannot open: {e.strerror or e}") from e

    @contextmanager
    def connection(self):
        try:
            con = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None)
        except sqlite3.Error as e:
            raise ReviewError(self.path, f"cannot open: {e}") from e
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")  # a saved review survives a power cut
            con.execute("PRAGMA foreign_keys=ON")
            yield con
        finally:
            con.close()

    @contextmanager
    def write(self, lock_key: str | None = None):
        """One IMMEDIATE transaction: the write lock is taken up front, so concurrent savers
        queue (busy timeout) instead of failing half-way."""
        with self.connection() as con:
            # One wait of LOCK_TIMEOUT in all (SQLite's busy timeout, then short retries for
            # the "locked" answers that come at once), then a clear refusal: never minutes.
            deadline = time.monotonic() + LOCK_TIMEOUT
            while True:
                try:
                    con.execute("BEGIN IMMEDIATE")
                    break
                except sqlite3.OperationalError as e:
                    if "locked" not in str(e) and "busy" not in str(e):
                        raise
                    if time.monotonic() >= deadline:
                        raise ReviewError(
                            self.path,
                            f"busy: another program has held the review database's write lock "
                            f"for {LOCK_TIMEOUT:g} s; nothing was written, try again",
                        ) from e
                    time.sleep(0.05)
            try:
                yield con
                con.execute("COMMIT")
            except BaseException as e:
                # On a full disk SQLite has already rolled back: a second ROLLBACK would hide
                # the real problem behind "no transaction is active".
                if con.in_transaction:
                    con.execute("ROLLBACK")
                if isinstance(e, sqlite3.OperationalError) and "full" in str(e):
                    raise ReviewError(
                        self.path,
                        "the disk is full: nothing was written; the reviews saved before are "
                        "intact",
                    ) from e
                raise

    @staticmethod
    def database_errors() -> tuple[type[BaseException], ...]:
        return (sqlite3.DatabaseError,)


class PostgresBackend:
    """A PostgreSQL database through psycopg 3: one connection per thread, kept open."""

    kind = "postgresql"
    identity = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError as e:  # pragma: no cover - psycopg is a runtime dependency
            raise ReviewError(redacted(url), "PostgreSQL needs psycopg 3 (pip install "
                              "'psycopg[binary]')") from e  # fmt: skip
        self.psycopg = psycopg
        self.url = url
        self.where = redacted(url)
        self._local = threading.local()

    def _connect(self):
        last = None
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                return self.psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except self.psycopg.OperationalError as e:
                last = e
                time.sleep(0.2 * (attempt + 1))
            except self.psycopg.ProgrammingError as e:  # a malformed URL
                raise ReviewError(
                    self.where,
                    f"not a usable PostgreSQL URL: {_scrubbed(_first_line(e), self.url)}",
                ) from e
        raise ReviewError(
            self.where,
            f"cannot connect after {CONNECT_ATTEMPTS} attempts: "
            f"{_scrubbed(_first_line(last), self.url)}; nothing "
            "was read or written",
        ) from last

    @contextmanager
    def connection(self):
        con = getattr(self._local, "con", None)
        if con is not None and not con.closed and not con.broken:
            try:  # a kept connection may have been closed by the server (restart, idle cut)
                con.execute("SELECT 1")
            except self.psycopg.OperationalError:
                con.close()  # nothing was sent yet: connect again, the operation goes on
        if con is None or con.closed or con.broken:
            con = self._local.con = self._connect()
        try:
            yield _Cursor(con)
        except self.psycopg.OperationalError as e:
            con.close()
            raise ReviewError(
                self.where,
                f"the connection was lost: {_scrubbed(_first_line(e), self.url)}; what was "
                "being saved was not "
                "saved (the reviews saved before are intact), try again",
            ) from e

    @contextmanager
    def write(self, lock_key: str | None = None):
        with self.connection() as cur, cur.con.transaction():
            cur.execute(
                "SELECT set_config('lock_timeout', ?, true)", (f"{int(LOCK_TIMEOUT * 1000)}ms",)
            )
            if lock_key is not None:  # saves of one (model, image, reviewer) queue here
                cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))",
                            (lock_key,))  # fmt: skip
            yield cur

    def database_errors(self) -> tuple[type[BaseException], ...]:
        return (self.psycopg.DatabaseError,)


class _Cursor:
    """The DB-API subset the store uses, over a psycopg connection (``?`` placeholders)."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql: str, args=()):
        return self.con.execute(sql.replace("?", "%s"), args)

    def executemany(self, sql: str, rows):
        with self.con.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)


def _first_line(e: BaseException | None) -> str:
    return str(e).strip().splitlines()[0] if e and str(e).strip() else type(e).__name__


def open_backend(target: Path | str):
    """The backend for ``target``: a PostgreSQL URL, or a SQLite path."""
    if is_postgres_url(target):
        return PostgresBackend(str(target))
    return SqliteBackend(target)
