"""scheduler heartbeat: one row per scheduler name, for /healthz and the "reminders not running" banner (issue 8)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import companion.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_heartbeats',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('beat_at', companion.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', companion.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_heartbeats'))
    )


def downgrade() -> None:
    op.drop_table('scheduler_heartbeats')
