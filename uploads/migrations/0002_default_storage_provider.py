from django.conf import settings
from django.db import migrations


def create_default(apps, schema_editor):
    StorageProvider = apps.get_model("uploads", "StorageProvider")
    if StorageProvider.objects.exists():
        return
    kind = settings.STORAGE_PROVIDER
    description = "Files under STORAGE_ROOT on this machine" if kind == "filesystem" else "S3-compatible storage"
    StorageProvider.objects.create(name=f"Default {kind} storage", description=description, kind=kind, is_default=True)


class Migration(migrations.Migration):
    dependencies = [("uploads", "0001_initial")]
    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
