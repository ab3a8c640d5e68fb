"""The full-text index of a circle's record, as circle/read/search.py searches it.

On SQLite (the default) an FTS5 table, `search_text`, holds a copy of each
text. Triggers on `proposal_version`, `contribution` and `correction` keep it
in step inside the same transaction as the write; the migration that made
them (173369abc3b2) also filled it with what the record held then. A row's
id says where its text came from: the source row's id * 4 + 1 for a
proposal version, + 2 for a contribution, + 3 for a correction. The
triggers read only NEW and OLD, never another table, so a later batch
migration of another table cannot trip over them.

A batch migration (`render_as_batch`) that *recreates* one of those three
tables on SQLite drops the table's triggers with it. Such a migration must
end with::

    from circle.read import search_index
    search_index.index(op.get_bind())

which puts back whatever is missing and fills the index anew. A test checks
after every migration that the triggers are there and the index is complete.

On PostgreSQL the database's own full-text search works on the tables
themselves: `to_tsvector('dutch', ...)` with GIN expression indexes, so there
is nothing to keep in step.
"""

from __future__ import annotations

import sqlalchemy as sa

from circle.extensions import db

#: What a hit is, as the low bits of its row id in the SQLite index.
VERSION, CONTRIBUTION, CORRECTION = 1, 2, 3
KIND_NAMES = {VERSION: "version", CONTRIBUTION: "contribution", CORRECTION: "correction"}

FTS_TABLE = "search_text"

# The index's definitions: the migration that made them holds a frozen copy, and a test checks they agree.

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE search_text USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')"
)

#: (table, kind, title, body, when to index) of every source of text.
_SOURCES = [
    ("proposal_version", VERSION, "NEW.title", "NEW.text || char(10) || NEW.background", "1"),
    ("contribution", CONTRIBUTION, "''", "NEW.text", "NEW.text <> ''"),
    ("correction", CORRECTION, "''", "NEW.text", "NEW.text <> ''"),
]


def _sqlite_triggers() -> dict[str, str]:
    """Trigger name -> its CREATE statement."""
    triggers = {}
    for table, kind, title, body, when in _SOURCES:
        insert = (f"INSERT INTO search_text(rowid, title, body) "
                  f"SELECT NEW.id * 4 + {kind}, {title}, {body} WHERE {when};")
        delete = f"DELETE FROM search_text WHERE rowid = OLD.id * 4 + {kind};"
        triggers[f"search_{table}_insert"] = (
            f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {insert} END")
        triggers[f"search_{table}_update"] = (
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE ON {table} BEGIN {delete} {insert} END")
        triggers[f"search_{table}_delete"] = (
            f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN {delete} END")
    return triggers


SQLITE_TRIGGERS = _sqlite_triggers()


def _sqlite_fill() -> list[str]:
    """Statements that copy every text the tables hold into the index."""
    statements = []
    for table, kind, title, body, when in _SOURCES:
        title, body, when = (s.replace("NEW.", "") for s in (title, body, when))
        statements.append(f"INSERT INTO search_text(rowid, title, body) "
                          f"SELECT id * 4 + {kind}, {title}, {body} FROM {table} WHERE {when}")
    return statements


#: GIN expression indexes on PostgreSQL; queries spell the same expressions (_PG_VECTORS).
POSTGRESQL_INDEXES = {
    "ix_search_proposal_version": (
        "proposal_version", "to_tsvector('dutch'::regconfig, title || ' ' || text || ' ' || background)"),
    "ix_search_contribution": ("contribution", "to_tsvector('dutch'::regconfig, text)"),
    "ix_search_correction": ("correction", "to_tsvector('dutch'::regconfig, text)"),
}


def index(bind: sa.Connection | None = None) -> None:
    """Make the full-text index whole: create what is missing and, on SQLite, fill it anew.

    For a migration that recreated proposal_version, contribution or correction
    (`search_index.index(op.get_bind())`), and for repairs. Runs in the caller's
    transaction; the caller commits.
    """
    conn = bind if bind is not None else db.session.connection()
    dialect = conn.dialect.name
    if dialect == "sqlite":
        present = set(conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").scalars())
        if FTS_TABLE not in present:
            conn.exec_driver_sql(SQLITE_TABLE)
        for name, statement in SQLITE_TRIGGERS.items():
            if name not in present:
                conn.exec_driver_sql(statement)
        conn.exec_driver_sql("DELETE FROM search_text")
        for statement in _sqlite_fill():
            conn.exec_driver_sql(statement)
    elif dialect == "postgresql":
        for name, (table, expression) in POSTGRESQL_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's filter: the search index is not in the models, so autogenerate leaves it alone."""
    if type_ == "table" and name:
        return not (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    if type_ == "index" and name:
        return not name.startswith("ix_search_")
    return True
