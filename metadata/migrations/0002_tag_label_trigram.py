from django.db import migrations


def trigram_index(apps, schema_editor):
    """PostgreSQL: tag autocomplete (`label_contains`, a case-blind substring: UPPER(label) LIKE '%…%') reads a
    trigram index instead of every tag; SQLite scans."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX metadata_tag_label_upper_trgm ON metadata_tag USING gin (UPPER(label::text) gin_trgm_ops)"
    )


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS metadata_tag_label_upper_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ("metadata", "0001_tags_templates_and_object_metadata"),
    ]

    operations = [migrations.RunPython(trigram_index, trigram_index_drop)]
