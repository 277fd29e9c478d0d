from rest_framework import serializers

from dds.accounts.serializers import UserPreviewSerializer
from dds.audit_serializers import AuditSerializer
from dds.fields import DESCRIPTION_MAX_LENGTH
from dds.references import ReferenceSerializer
from projects.models import ProjectTransfer
from projects.serializers import ProjectPreviewSerializer


class ProjectTransferSerializer(serializers.ModelSerializer):
    status_comment = serializers.CharField(allow_null=True)
    audit = AuditSerializer(source="*", read_only=True)
    to_users = UserPreviewSerializer(many=True)
    from_user = UserPreviewSerializer()
    project = ProjectPreviewSerializer()

    class Meta:
        model = ProjectTransfer
        fields = ["id", "status", "status_comment", "audit", "to_users", "from_user", "project"]


class ProjectTransferCreateSerializer(serializers.Serializer):
    to_users = ReferenceSerializer(many=True, allow_empty=True, help_text='the recipients, `[{"id": user id}, …]`')


class StatusCommentSerializer(serializers.Serializer):
    status_comment = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False, max_length=DESCRIPTION_MAX_LENGTH
    )
