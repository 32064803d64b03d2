"""The search's lexicon on both databases: ``search_terms`` on SQLite too, and ``search_synonyms``.

The relevance contract (``catalog_svc.procedures.relevance``) corrects misspelt words against the
catalogue's vocabulary and expands the synonyms and abbreviations citizens type, in Python, the same way on
SQLite and PostgreSQL. PostgreSQL has had ``search_terms`` since ``0003``; SQLite gets it now, filled from
the published procedures. ``search_synonyms`` holds what admins edit (seeded from
``catalog_svc/data/synonyms.json``).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "search_synonyms",
        sa.Column("term", sa.String(64), nullable=False),
        sa.Column("expansion", sa.String(255), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("term", name="pk_search_synonyms"),
    )
    if bind.dialect.name == "postgresql":
        return
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("term", name="pk_search_terms"),
    )
    words: set[str] = set()
    for (text,) in bind.execute(sa.text("SELECT search_text FROM procedure_search")):
        words.update(w for w in text.split() if 2 <= len(w) <= 64 and not w.isdigit())
    if words:
        bind.execute(sa.text("INSERT INTO search_terms (term) VALUES (:term)"), [{"term": w} for w in words])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_table("search_terms")
    op.drop_table("search_synonyms")
