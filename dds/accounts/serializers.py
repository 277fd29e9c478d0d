from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dds.audit_serializers import AgentPreviewSerializer, AuditSerializer
from dds.fields import DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH, NameField, Timestamp

from .models import ApiKey, AuthenticationService, SoftwareAgent, User


class AuthProviderPreviewSerializer(serializers.Serializer):
    uid = serializers.CharField()
    source = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    """The user object (docs/api/authentication.md#users); `agent` is filled only for /current_user, from the
    context."""

    auth_provider = serializers.SerializerMethodField()
    last_login_on = Timestamp(source="last_login", allow_null=True)
    audit = AuditSerializer(source="*", read_only=True)
    agent = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "first_name",
            "last_name",
            "email",
            "auth_provider",
            "last_login_on",
            "audit",
            "agent",
        ]

    @extend_schema_field(AuthProviderPreviewSerializer(allow_null=True))
    def get_auth_provider(self, user):
        identities = user.identities.all()
        if not identities:
            return None
        first = identities[0]
        return {"uid": first.uid, "source": first.authentication_service.name}

    @extend_schema_field(AgentPreviewSerializer(allow_null=True))
    def get_agent(self, user):
        agent = self.context.get("agent")
        return {"id": str(agent.id), "name": agent.name} if agent else None


class CurrentUserSerializer(UserSerializer):
    """The caller: the user object and their own settings."""

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "email_notifications"]


class CurrentUserUpdateSerializer(serializers.Serializer):
    email_notifications = serializers.BooleanField(
        help_text="false: DDS sends this person no email (roles given or removed, projects offered, failed uploads)"
    )


class UserPreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "full_name"]


class SoftwareAgentSerializer(serializers.ModelSerializer):
    audit = AuditSerializer(source="*", read_only=True)

    class Meta:
        model = SoftwareAgent
        fields = ["id", "audit", "name", "description", "repo_url", "is_deleted"]


class SoftwareAgentCreateSerializer(serializers.Serializer):
    name = NameField()
    description = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=DESCRIPTION_MAX_LENGTH
    )
    repo_url = serializers.CharField(max_length=URL_MAX_LENGTH, required=False, allow_null=True, allow_blank=True)


class SoftwareAgentUpdateSerializer(SoftwareAgentCreateSerializer):
    name = NameField(required=False)


class ApiKeySerializer(serializers.ModelSerializer):
    created_on = Timestamp()

    class Meta:
        model = ApiKey
        fields = ["key", "created_on"]


class ApiTokenRequestSerializer(serializers.Serializer):
    agent_key = serializers.CharField()
    user_key = serializers.CharField()


class ApiTokenSerializer(serializers.Serializer):
    api_token = serializers.CharField()
    expires_on = serializers.IntegerField(help_text="POSIX seconds")
    time_to_live = serializers.IntegerField(help_text="seconds")


class AuthProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuthenticationService
        fields = [
            "id",
            "service_id",
            "name",
            "is_deprecated",
            "is_default",
            "login_initiation_url",
            "base_uri",
            "login_response_type",
        ]


class AffiliateSerializer(serializers.Serializer):
    """A person in a provider's directory (docs/api/signin.md#affiliates-authenticated): a `directory.Person`."""

    uid = serializers.CharField()
    full_name = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
