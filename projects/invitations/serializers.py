from rest_framework import serializers

from dds.audit_serializers import AuditSerializer
from dds.fields import Timestamp
from projects.models import ProjectInvitation
from projects.serializers import AuthRoleReferenceSerializer


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    auth_role = AuthRoleReferenceSerializer()


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=128, help_text="the token of the emailed link (`/invitations/<token>`)")


class _Reference(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class InvitationSerializer(serializers.ModelSerializer):
    project = _Reference(read_only=True)
    auth_role = _Reference(read_only=True)
    expires_on = Timestamp()
    accepted_on = Timestamp(allow_null=True)
    accepted_by = serializers.SerializerMethodField()
    audit = AuditSerializer(source="*", read_only=True)

    class Meta:
        model = ProjectInvitation
        fields = ["id", "project", "auth_role", "email", "status", "expires_on", "accepted_by", "accepted_on", "audit"]

    def get_accepted_by(self, invitation) -> dict | None:
        user = invitation.accepted_by
        return None if user is None else {"id": str(user.id), "username": user.username, "email": user.email}
