from django.core.validators import RegexValidator
from rest_framework import serializers

from dds.accounts.serializers import UserPreviewSerializer
from dds.audit_serializers import AuditSerializer
from dds.fields import DESCRIPTION_MAX_LENGTH, NameField

from .models import AuthRole, Project, ProjectPermission, SystemPermission


class ProjectSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    is_consistent = serializers.BooleanField(read_only=True, help_text="true once storage on every provider is ready")
    audit = AuditSerializer(source="*", read_only=True)

    class Meta:
        model = Project
        fields = ["kind", "id", "name", "slug", "description", "is_deleted", "is_consistent", "audit"]

    def get_kind(self, project) -> str:
        return "dds-project"


# projects.services.SLUG_PATTERN, checked here too so that the schema says it (same `is invalid` as the service's).
_SLUG = RegexValidator(r"^[a-z0-9_]*$")


class ProjectCreateSerializer(serializers.Serializer):
    name = NameField()
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)
    slug = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True, validators=[_SLUG])


class ProjectUpdateSerializer(serializers.Serializer):
    name = NameField(required=False)
    description = serializers.CharField(required=False, max_length=DESCRIPTION_MAX_LENGTH)
    slug = serializers.CharField(max_length=255, required=False, allow_blank=True, validators=[_SLUG])


class ProjectPreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "name"]


class AuthRoleSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = AuthRole
        fields = ["id", "name", "description", "permissions", "contexts", "is_deprecated"]

    def get_permissions(self, role) -> list[dict[str, str]]:
        return [{"id": permission} for permission in role.permissions]


class AuthRolePreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuthRole
        fields = ["id", "name", "description"]


class ProjectPermissionSerializer(serializers.ModelSerializer):
    project = ProjectPreviewSerializer()
    user = UserPreviewSerializer()
    auth_role = AuthRolePreviewSerializer()

    class Meta:
        model = ProjectPermission
        fields = ["project", "user", "auth_role"]


class SystemPermissionSerializer(serializers.ModelSerializer):
    user = UserPreviewSerializer()
    auth_role = AuthRolePreviewSerializer()

    class Meta:
        model = SystemPermission
        fields = ["user", "auth_role"]


class AuthRoleReferenceSerializer(serializers.Serializer):
    id = serializers.CharField()


class PermissionGrantSerializer(serializers.Serializer):
    auth_role = AuthRoleReferenceSerializer()
