"""search: full-text and trigram indexes (PostgreSQL), FTS5 tables kept by triggers (SQLite)

Revision ID: c2483f52c12b
Revises: a35e0cc98e93
Create Date: 2026-11-29 13:10:00.000000

The objects of src/workcommunities/db/models/search.py, as that module wrote them on this date (a migration keeps its
own copy: it must build the same schema whatever the module says later; tests/integration/test_migrations.py checks
that the two agree). The models do not map them; migrations/env.py leaves them out of Alembic's comparison.

- PostgreSQL: the `pg_trgm` extension (kept by the downgrade: other objects may use it), a STORED generated
  `search_vector` column on community, company and content (the texts in the `russian` and `simple` configurations,
  weighted: name or title A, tags B, an event's place C, descriptions and bodies D), its GIN index, and a GIN
  trigram index on the name or title. Adding a generated column rewrites the table and computes it for every row.
- SQLite: an FTS5 table per table (`<table>_search`), filled with the rows already there, and triggers that keep it
  in step on insert, update and delete. The downgrade drops them `IF EXISTS`: a later migration that rebuilt one of
  the tables (batch mode) took its triggers with it.
"""

from __future__ import annotations

from alembic import op

revision = 'c2483f52c12b'
down_revision = 'a35e0cc98e93'
branch_labels = None
depends_on = None

POSTGRESQL_UPGRADE = [
    # pg_trgm is a contrib extension, which some builds leave out: without it, no misspelling fallback.
    "DO $$ BEGIN IF EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_trgm') THEN "
    "CREATE EXTENSION IF NOT EXISTS pg_trgm; END IF; END $$",
    """ALTER TABLE community ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian', coalesce(name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(name, '')), 'A')
        || setweight(to_tsvector('russian', tags), 'B')
        || setweight(to_tsvector('simple', tags), 'B')
        || setweight(to_tsvector('russian', left(coalesce(description, ''), 50000)), 'D')
        || setweight(to_tsvector('simple', left(coalesce(description, ''), 50000)), 'D')
    ) STORED""",
    'CREATE INDEX ix_community_search ON community USING gin (search_vector)',
    "DO $$ BEGIN IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN "
    "CREATE INDEX ix_community_name_trgm ON community USING gin (name gin_trgm_ops); END IF; END $$",
    """ALTER TABLE company ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian', coalesce(name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(name, '')), 'A')
        || setweight(to_tsvector('russian', left(coalesce(description, ''), 50000)), 'D')
        || setweight(to_tsvector('simple', left(coalesce(description, ''), 50000)), 'D')
    ) STORED""",
    'CREATE INDEX ix_company_search ON company USING gin (search_vector)',
    "DO $$ BEGIN IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN "
    "CREATE INDEX ix_company_name_trgm ON company USING gin (name gin_trgm_ops); END IF; END $$",
    """ALTER TABLE content ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('russian', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(title, '')), 'A')
        || setweight(to_tsvector('russian', tags), 'B')
        || setweight(to_tsvector('simple', tags), 'B')
        || setweight(to_tsvector('russian', coalesce(city, '')), 'C')
        || setweight(to_tsvector('simple', coalesce(city, '')), 'C')
        || setweight(to_tsvector('russian', coalesce(location, '')), 'C')
        || setweight(to_tsvector('simple', coalesce(location, '')), 'C')
        || setweight(to_tsvector('russian', left(coalesce(body, ''), 50000)), 'D')
        || setweight(to_tsvector('simple', left(coalesce(body, ''), 50000)), 'D')
        || setweight(to_tsvector('russian', left(coalesce(description, ''), 50000)), 'D')
        || setweight(to_tsvector('simple', left(coalesce(description, ''), 50000)), 'D')
    ) STORED""",
    'CREATE INDEX ix_content_search ON content USING gin (search_vector)',
    "DO $$ BEGIN IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN "
    "CREATE INDEX ix_content_title_trgm ON content USING gin (title gin_trgm_ops); END IF; END $$",
]

POSTGRESQL_DOWNGRADE = [
    'DROP INDEX IF EXISTS ix_content_title_trgm',
    'DROP INDEX ix_content_search',
    'ALTER TABLE content DROP COLUMN search_vector',
    'DROP INDEX IF EXISTS ix_company_name_trgm',
    'DROP INDEX ix_company_search',
    'ALTER TABLE company DROP COLUMN search_vector',
    'DROP INDEX IF EXISTS ix_community_name_trgm',
    'DROP INDEX ix_community_search',
    'ALTER TABLE community DROP COLUMN search_vector',
]

SQLITE_UPGRADE = [
    'CREATE VIRTUAL TABLE community_search USING fts5(id UNINDEXED, key, name, tags, description)',
    """INSERT INTO community_search (id, key, name, tags, description) SELECT
        community.id,
        hex(community.id),
        coalesce(community.name, ''),
        coalesce((SELECT group_concat(value, ' ') FROM json_each(community.tags)), ''),
        coalesce(community.description, '')
    FROM community""",
    """CREATE TRIGGER community_search_insert AFTER INSERT ON community BEGIN
    INSERT INTO community_search (id, key, name, tags, description) VALUES (
        new.id,
        hex(new.id),
        coalesce(new.name, ''),
        coalesce((SELECT group_concat(value, ' ') FROM json_each(new.tags)), ''),
        coalesce(new.description, '')
    );
END""",
    """CREATE TRIGGER community_search_update AFTER UPDATE OF name, tags, description ON community BEGIN
    DELETE FROM community_search WHERE community_search MATCH 'key:"' || hex(old.id) || '"';
    INSERT INTO community_search (id, key, name, tags, description) VALUES (
        new.id,
        hex(new.id),
        coalesce(new.name, ''),
        coalesce((SELECT group_concat(value, ' ') FROM json_each(new.tags)), ''),
        coalesce(new.description, '')
    );
END""",
    """CREATE TRIGGER community_search_delete AFTER DELETE ON community BEGIN
    DELETE FROM community_search WHERE community_search MATCH 'key:"' || hex(old.id) || '"';
END""",
    'CREATE VIRTUAL TABLE company_search USING fts5(id UNINDEXED, key, name, description)',
    """INSERT INTO company_search (id, key, name, description) SELECT
        company.id,
        hex(company.id),
        coalesce(company.name, ''),
        coalesce(company.description, '')
    FROM company""",
    """CREATE TRIGGER company_search_insert AFTER INSERT ON company BEGIN
    INSERT INTO company_search (id, key, name, description) VALUES (
        new.id,
        hex(new.id),
        coalesce(new.name, ''),
        coalesce(new.description, '')
    );
END""",
    """CREATE TRIGGER company_search_update AFTER UPDATE OF name, description ON company BEGIN
    DELETE FROM company_search WHERE company_search MATCH 'key:"' || hex(old.id) || '"';
    INSERT INTO company_search (id, key, name, description) VALUES (
        new.id,
        hex(new.id),
        coalesce(new.name, ''),
        coalesce(new.description, '')
    );
END""",
    """CREATE TRIGGER company_search_delete AFTER DELETE ON company BEGIN
    DELETE FROM company_search WHERE company_search MATCH 'key:"' || hex(old.id) || '"';
END""",
    'CREATE VIRTUAL TABLE content_search USING fts5(id UNINDEXED, key, title, tags, place, body)',
    """INSERT INTO content_search (id, key, title, tags, place, body) SELECT
        content.id,
        hex(content.id),
        coalesce(content.title, ''),
        coalesce((SELECT group_concat(value, ' ') FROM json_each(content.tags)), ''),
        coalesce(content.city, '') || ' ' || coalesce(content.location, ''),
        coalesce(content.body, '') || ' ' || coalesce(content.description, '')
    FROM content""",
    """CREATE TRIGGER content_search_insert AFTER INSERT ON content BEGIN
    INSERT INTO content_search (id, key, title, tags, place, body) VALUES (
        new.id,
        hex(new.id),
        coalesce(new.title, ''),
        coalesce((SELECT group_concat(value, ' ') FROM json_each(new.tags)), ''),
        coalesce(new.city, '') || ' ' || coalesce(new.location, ''),
        coalesce(new.body, '') || ' ' || coalesce(new.description, '')
    );
END""",
    """CREATE TRIGGER content_search_update AFTER UPDATE OF title, tags, city, location, body, description ON content BEGIN
    DELETE FROM content_search WHERE content_search MATCH 'key:"' || hex(old.id) || '"';
    INSERT INTO content_search (id, key, title, tags, place, body) VALUES (
        new.id,
        hex(new.id),
        coalesce(new.title, ''),
        coalesce((SELECT group_concat(value, ' ') FROM json_each(new.tags)), ''),
        coalesce(new.city, '') || ' ' || coalesce(new.location, ''),
        coalesce(new.body, '') || ' ' || coalesce(new.description, '')
    );
END""",
    """CREATE TRIGGER content_search_delete AFTER DELETE ON content BEGIN
    DELETE FROM content_search WHERE content_search MATCH 'key:"' || hex(old.id) || '"';
END""",
]

SQLITE_DOWNGRADE = [
    'DROP TRIGGER IF EXISTS content_search_insert',
    'DROP TRIGGER IF EXISTS content_search_update',
    'DROP TRIGGER IF EXISTS content_search_delete',
    'DROP TABLE IF EXISTS content_search',
    'DROP TRIGGER IF EXISTS company_search_insert',
    'DROP TRIGGER IF EXISTS company_search_update',
    'DROP TRIGGER IF EXISTS company_search_delete',
    'DROP TABLE IF EXISTS company_search',
    'DROP TRIGGER IF EXISTS community_search_insert',
    'DROP TRIGGER IF EXISTS community_search_update',
    'DROP TRIGGER IF EXISTS community_search_delete',
    'DROP TABLE IF EXISTS community_search',
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_UPGRADE if dialect == "postgresql" else SQLITE_UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_DOWNGRADE if dialect == "postgresql" else SQLITE_DOWNGRADE:
        op.execute(statement)
