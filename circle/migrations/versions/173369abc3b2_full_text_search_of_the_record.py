"""full-text search of the record: proposal versions, contributions, corrections

SQLite: an FTS5 table `search_text` kept in step by triggers, in the same
transaction as every write, and filled here with what the record already holds.
PostgreSQL: GIN expression indexes over to_tsvector('dutch', ...); nothing to fill.

The SQL is written out here, not imported, so this step stays what it was;
circle/read/search_index.py holds the same definitions (`search_index.index()` restores them
after a batch migration recreated one of the tables, see there) and a test
checks that both agree.

The triggers read only NEW and OLD and write only `search_text`: a trigger
that read another table would make a later batch migration of that table
fail on SQLite ("error in trigger ...: no such table").

Revision ID: 173369abc3b2
Revises: afb18ea7f2ff
Create Date: 2026-11-24 10:12:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '173369abc3b2'
down_revision = 'afb18ea7f2ff'
branch_labels = None
depends_on = None

# Row ids in search_text: id * 4 + 1 a proposal version, + 2 a contribution, + 3 a correction.
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE search_text USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 2')"
)


def _triggers(table: str, kind: int, title: str, body: str, when: str) -> list[str]:
    row = f"OLD.id * 4 + {kind}"
    insert = (f"INSERT INTO search_text(rowid, title, body) "
              f"SELECT NEW.id * 4 + {kind}, {title}, {body} WHERE {when};")
    delete = f"DELETE FROM search_text WHERE rowid = {row};"
    return [
        f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER search_{table}_update AFTER UPDATE ON {table} BEGIN {delete} {insert} END",
        f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN {delete} END",
    ]


SQLITE_TRIGGERS = [
    *_triggers("proposal_version", 1, "NEW.title", "NEW.text || char(10) || NEW.background", "1"),
    *_triggers("contribution", 2, "''", "NEW.text", "NEW.text <> ''"),
    *_triggers("correction", 3, "''", "NEW.text", "NEW.text <> ''"),
]

SQLITE_BACKFILL = [
    "INSERT INTO search_text(rowid, title, body) "
    "SELECT id * 4 + 1, title, text || char(10) || background FROM proposal_version",
    "INSERT INTO search_text(rowid, title, body) "
    "SELECT id * 4 + 2, '', text FROM contribution WHERE text <> ''",
    "INSERT INTO search_text(rowid, title, body) "
    "SELECT id * 4 + 3, '', text FROM correction WHERE text <> ''",
]

POSTGRESQL_INDEXES = {
    "ix_search_proposal_version": (
        "proposal_version",
        "to_tsvector('dutch'::regconfig, title || ' ' || text || ' ' || background)",
    ),
    "ix_search_contribution": ("contribution", "to_tsvector('dutch'::regconfig, text)"),
    "ix_search_correction": ("correction", "to_tsvector('dutch'::regconfig, text)"),
}


def upgrade():
    dialect = op.get_context().dialect.name  # also for `db upgrade --sql`
    if dialect == "sqlite":
        op.execute(SQLITE_TABLE)
        for statement in SQLITE_BACKFILL + SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for name, (table, expression) in POSTGRESQL_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (({expression}))")


def downgrade():
    dialect = op.get_context().dialect.name  # also for `db upgrade --sql`
    if dialect == "sqlite":
        for table in ("proposal_version", "contribution", "correction"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
        op.execute("DROP TABLE IF EXISTS search_text")
    elif dialect == "postgresql":
        for name in POSTGRESQL_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
