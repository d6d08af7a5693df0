"""moderation: cases that group the reports of a target, hidden posts, events and stories, communities archived
by a moderator

Revision ID: 741134066866
Revises: abfc0a6cec92
Create Date: 2026-11-29 15:41:17.840289
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.mixins.uuid import uuid7
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

# Autogenerate writes Advanced Alchemy's types as `sa.<Type>`.
sa.GUID = GUID  # type: ignore[attr-defined]
sa.DateTimeUTC = DateTimeUTC  # type: ignore[attr-defined]

revision = '741134066866'
down_revision = 'abfc0a6cec92'
branch_labels = None
depends_on = None

MODERATED = ("content", "story")


def upgrade() -> None:
    op.create_table('moderation_case',
    sa.Column('id', sa.GUID(length=16), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.GUID(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reporters', sa.Integer(), nullable=False),
    sa.Column('last_reported_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('resolved_by', sa.GUID(length=16), nullable=True),
    sa.Column('resolved_at', sa.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('sa_orm_sentinel', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTimeUTC(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('dismiss', 'hide', 'archive_community')", name=op.f('ck_moderation_case_action')),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_moderation_case_status')),
    sa.ForeignKeyConstraint(['resolved_by'], ['user_account.id'], name=op.f('fk_moderation_case_resolved_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_case'))
    )
    with op.batch_alter_table('moderation_case', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_case_queue', ['reporters', 'id'], unique=False, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.create_index('ix_moderation_case_resolved', ['resolved_at', 'id'], unique=False, postgresql_where=sa.text("status = 'resolved'"), sqlite_where=sa.text("status = 'resolved'"))
        batch_op.create_index('ux_moderation_case_open_target', ['target_type', 'target_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    # Added in place with its check on both databases (SQLite cannot add a table constraint without rebuilding the
    # table, which would drop the search triggers of content).
    for name in MODERATED:
        op.execute(
            f"ALTER TABLE {name} ADD COLUMN moderation_status VARCHAR(8) DEFAULT 'visible' NOT NULL "
            f"CONSTRAINT ck_{name}_moderation_status CHECK (moderation_status IN ('visible', 'hidden'))"
        )

    # The reports filed so far, each target's in one open case.
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.GUID(length=16), nullable=True))
    bind = op.get_bind()
    report = sa.table(
        "report",
        sa.column("target_type", sa.String()),
        sa.column("target_id", sa.GUID()),
        sa.column("created_at", sa.DateTimeUTC()),
        sa.column("updated_at", sa.DateTimeUTC()),
        sa.column("case_id", sa.GUID()),
    )
    case = sa.table(
        "moderation_case",
        *(sa.column(name, sa.GUID()) for name in ("id", "target_id")),
        sa.column("target_type", sa.String()),
        sa.column("status", sa.String()),
        sa.column("reporters", sa.Integer()),
        *(sa.column(name, sa.DateTimeUTC()) for name in ("created_at", "updated_at", "last_reported_at")),
    )
    groups = bind.execute(
        sa.select(
            report.c.target_type,
            report.c.target_id,
            sa.func.count(),
            sa.func.min(report.c.created_at),
            sa.func.max(report.c.updated_at),
        ).group_by(report.c.target_type, report.c.target_id)
    ).all()
    for target_type, target_id, count, first, last in groups:
        case_id = uuid7()
        bind.execute(
            case.insert().values(
                id=case_id,
                target_type=target_type,
                target_id=target_id,
                status="open",
                reporters=count,
                created_at=first,
                updated_at=last,
                last_reported_at=last,
            )
        )
        bind.execute(
            report.update()
            .where(report.c.target_type == target_type, report.c.target_id == target_id)
            .values(case_id=case_id)
        )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sa.GUID(length=16), nullable=False)
        batch_op.create_index(batch_op.f('ix_report_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_report_case_id_moderation_case'), 'moderation_case', ['case_id'], ['id'], ondelete='CASCADE')
        # One report per reporter and case (was: per reporter and target).
        batch_op.drop_constraint('uq_report_reporter_id', type_='unique')
        batch_op.create_unique_constraint('uq_report_reporter_id', ['reporter_id', 'case_id'])

    # recreate="never": SQLite adds the column in place (rebuilding community would drop its search triggers).
    with op.batch_alter_table('community', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('archived_by_moderator', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('community', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('archived_by_moderator')

    # recreate="never": SQLite (3.35+) drops a column in place; rebuilding content would drop its search triggers.
    for name in MODERATED:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"ALTER TABLE {name} DROP CONSTRAINT ck_{name}_moderation_status")
        with op.batch_alter_table(name, schema=None, recreate='never') as batch_op:
            batch_op.drop_column('moderation_status')

    # Back to one report per reporter and target: the latest of each.
    report = sa.table(
        "report",
        sa.column("id", sa.GUID()),
        sa.column("reporter_id", sa.GUID()),
        sa.column("target_type", sa.String()),
        sa.column("target_id", sa.GUID()),
    )
    later = report.alias("later")
    newer_exists = sa.exists().where(
        later.c.reporter_id == report.c.reporter_id,
        later.c.target_type == report.c.target_type,
        later.c.target_id == report.c.target_id,
        later.c.id > report.c.id,
    )
    op.execute(report.delete().where(newer_exists))
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_constraint('uq_report_reporter_id', type_='unique')
        batch_op.create_unique_constraint('uq_report_reporter_id', ['reporter_id', 'target_type', 'target_id'])
        batch_op.drop_constraint(batch_op.f('fk_report_case_id_moderation_case'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_report_case_id'))
        batch_op.drop_column('case_id')

    with op.batch_alter_table('moderation_case', schema=None) as batch_op:
        batch_op.drop_index('ux_moderation_case_open_target', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_moderation_case_resolved', postgresql_where=sa.text("status = 'resolved'"), sqlite_where=sa.text("status = 'resolved'"))
        batch_op.drop_index('ix_moderation_case_queue', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    op.drop_table('moderation_case')
