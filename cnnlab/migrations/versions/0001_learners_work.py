"""A learner's work: models, drawings, page visits, answers and their current training.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _learner(primary_key: bool = False) -> sa.Column:
    return sa.Column("learner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"),
                     nullable=False, primary_key=primary_key)


def _created() -> sa.Column:
    return sa.Column("created", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.String(32), primary_key=True),
        _created(),
        sa.Column("active_model", sa.Integer, nullable=True),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _learner(), _created(),
        sa.Column("family", sa.String(16), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("config", sa.Text, nullable=False),
        sa.Column("results", sa.LargeBinary, nullable=False),
        sa.Column("weights", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    op.create_table(
        "drawings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _learner(), _created(),
        sa.Column("digit", sa.SmallInteger, nullable=False),
        sa.Column("png", sa.LargeBinary, nullable=False),
        sa.Column("image", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "page_visits",
        _learner(primary_key=True),
        sa.Column("page", sa.String(40), primary_key=True),
        sa.Column("first", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visits", sa.Integer, nullable=False),
    )
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _learner(), _created(),
        sa.Column("page", sa.String(40), nullable=False),
        sa.Column("question_id", sa.String(80), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
    )
    op.create_table(
        "trainings",
        _learner(primary_key=True),
        sa.Column("job_id", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("replica", sa.String(120), nullable=False),
        sa.Column("host", sa.String(120), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat", sa.DateTime(timezone=True), nullable=False),
        sa.Column("epochs_done", sa.Integer, nullable=False),
        sa.Column("epochs", sa.Integer, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("checkpoint", sa.LargeBinary, nullable=True),
        sa.Column("checkpoint_epoch", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    for table in ("models", "drawings", "answers"):
        op.create_index(f"ix_{table}_learner", table, ["learner"])


def downgrade() -> None:
    for table in ("trainings", "answers", "page_visits", "drawings", "models", "learners"):
        op.drop_table(table)
