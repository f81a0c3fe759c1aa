"""Classes: a teacher's class (join code, hashed teacher key), its members and the drawings sent to it.

A class owns a learner row of its own (`owner`): the class's fine-tuned models are that learner's saved
models, and its active model is the class's model. Deleting that learner deletes the class, its members'
memberships and its drawings (ON DELETE CASCADE).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(6), nullable=False, unique=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("owner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("creator", sa.String(32), nullable=False, index=True),
        sa.Column("key_salt", sa.LargeBinary, nullable=False),
        sa.Column("key_hash", sa.LargeBinary, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("fine_tune", sa.Text, nullable=True),
    )
    op.create_table(
        "class_members",
        sa.Column("learner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("nickname", sa.String(24), nullable=False),
        sa.Column("joined", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "class_drawings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("learner", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("nickname", sa.String(24), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digit", sa.SmallInteger, nullable=False),
        sa.Column("png", sa.LargeBinary, nullable=False),
        sa.Column("image", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("class_drawings", "class_members", "classes"):
        op.drop_table(table)
