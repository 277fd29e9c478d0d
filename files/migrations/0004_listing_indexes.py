import django.db.models.functions.comparison
from django.db import migrations, models

TRIGRAM_INDEX = "container_name_trigram"


def create_trigram_index(apps, schema_editor):
    """On PostgreSQL, `name_contains` (`UPPER(name) LIKE UPPER('%…%')`) is answered from a GIN index of the live
    items' names' trigrams, keyed by project first (btree_gin), so that a search reads its project's matches only.
    SQLite has no such index: it scans the project's rows."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    schema_editor.execute(
        f"CREATE INDEX {TRIGRAM_INDEX} ON files_container USING gin (project_id, (UPPER(name)) gin_trgm_ops) "
        "WHERE NOT is_deleted"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("files", "0003_one_file_per_upload"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="container", name="files_conta_project_58e3ef_idx"),
        migrations.RemoveIndex(model_name="container", name="files_conta_project_cba64d_idx"),
        migrations.AddIndex(
            model_name="container",
            index=models.Index(
                fields=["project", "parent", "is_deleted", "-created_on", "id"], name="container_children"
            ),
        ),
        migrations.AddIndex(
            model_name="container",
            index=models.Index(fields=["project", "is_deleted", "-created_on", "id"], name="container_tree"),
        ),
        migrations.AddIndex(
            model_name="container",
            index=models.Index(
                models.F("project"),
                models.F("kind"),
                models.F("is_deleted"),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce("last_updated_on", "created_on"), descending=True
                ),
                models.F("id"),
                name="container_files_by_update",
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index, elidable=False),
    ]
