from django.db import migrations


def create_local_service(apps, schema_editor):
    AuthenticationService = apps.get_model("accounts", "AuthenticationService")
    if AuthenticationService.objects.filter(kind="local").exists():
        return
    AuthenticationService.objects.create(
        name="DDS local users",
        kind="local",
        is_default=not AuthenticationService.objects.filter(is_default=True).exists(),
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_openid_services")]
    operations = [migrations.RunPython(create_local_service, migrations.RunPython.noop)]
