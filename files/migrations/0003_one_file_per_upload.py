from django.db import migrations, models


def mark_reused_uploads(apps, schema_editor):
    """Every version but the first of an upload becomes a reuse, so that the constraint can hold existing rows."""
    FileVersion = apps.get_model("files", "FileVersion")
    first = {}
    for version_id, upload_id in FileVersion.objects.order_by("created_on", "id").values_list("id", "upload_id"):
        if upload_id in first:
            FileVersion.objects.filter(pk=version_id).update(upload_reused=True)
        else:
            first[upload_id] = version_id


class Migration(migrations.Migration):
    dependencies = [
        ("files", "0002_container_deleted_from_parent"),
    ]

    operations = [
        migrations.AddField(
            model_name="fileversion",
            name="upload_reused",
            field=models.BooleanField(
                default=False, help_text="an earlier version of the same file has this upload (a promotion)"
            ),
        ),
        migrations.RunPython(mark_reused_uploads, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="fileversion",
            constraint=models.UniqueConstraint(
                condition=models.Q(("upload_reused", False)), fields=("upload",), name="one_file_per_upload"
            ),
        ),
    ]
