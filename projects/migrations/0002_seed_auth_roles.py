from django.db import migrations

# docs/api/permissions.md#built-in-roles: the ids are wire values; permissions in seed order.
ROLES = [
    ("system_admin", "System Admin", ["system"], ["system_admin"], "Can administrate the system"),
    (
        "project_admin",
        "Project Admin",
        ["project"],
        [
            "view_project",
            "update_project",
            "delete_project",
            "manage_project_permissions",
            "download_file",
            "create_file",
            "update_file",
            "delete_file",
        ],
        "Can update project details, delete project, manage project level permissions and perform all file "
        "operations",
    ),
    ("project_viewer", "Project Viewer", ["project"], ["view_project"], "Can only view project and file meta-data"),
    ("file_downloader", "File Downloader", ["project"], ["view_project", "download_file"], "Can download files"),
    (
        "file_editor",
        "File Editor",
        ["project"],
        ["view_project", "download_file", "create_file", "update_file", "delete_file"],
        "Can view download create update and delete files",
    ),
    ("file_uploader", "File Uploader", ["project"], ["view_project", "create_file"], "Can update files"),
]


def seed(apps, schema_editor):
    AuthRole = apps.get_model("projects", "AuthRole")
    for role_id, name, contexts, permissions, description in ROLES:
        AuthRole.objects.update_or_create(
            id=role_id,
            defaults={"name": name, "contexts": contexts, "permissions": permissions, "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
