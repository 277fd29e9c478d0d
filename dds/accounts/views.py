from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dds import errors
from dds.lookups import get_or_404
from dds.openapi import documented
from dds.pagination import paged_list_response, paged_response, results
from dds.permissions import NotAgentSession
from dds.validation import validated
from projects.permissions import require_creator_or_system_admin

from . import rate_limits, selectors, services
from .models import ApiKey, AuthenticationService
from .serializers import (
    AffiliateSerializer,
    ApiKeySerializer,
    ApiTokenRequestSerializer,
    ApiTokenSerializer,
    AuthProviderSerializer,
    CurrentUserSerializer,
    CurrentUserUpdateSerializer,
    SoftwareAgentCreateSerializer,
    SoftwareAgentSerializer,
    SoftwareAgentUpdateSerializer,
    UserSerializer,
)


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class ApiTokenView(PublicView):
    @documented(
        summary="Mint an api_token from an agent key and a user key",
        request=ApiTokenRequestSerializer,
        ok={201: ApiTokenSerializer},
        errors=(400, 404, 429),
        parameters=[
            OpenApiParameter(
                "Retry-After",
                OpenApiTypes.INT,
                location=OpenApiParameter.HEADER,
                response=[429],
                description="Seconds until the window of failed key checks ends.",
            )
        ],
        e400="`missing key or keys`",
        e404="`invalid key`: either key is unknown, or the agent is deleted",
        e429=(
            "`too many failed key checks`: the client address or a key reached its limit of failed checks in this "
            "window (README, Reliability); `Retry-After` says when the window ends"
        ),
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}  # a JSON list or scalar holds no keys
        agent_key, user_key = data.get("agent_key"), data.get("user_key")
        if not isinstance(agent_key, str) or not isinstance(user_key, str) or not agent_key or not user_key:
            raise errors.MissingKeys()
        address, keys = rate_limits.client_address(request), (agent_key, user_key)
        rate_limits.key_failures_check(address=address, keys=keys)
        try:
            token = services.api_token_create(agent_key=agent_key, user_key=user_key)
        except errors.InvalidKey:
            rate_limits.key_failure_record(address=address, keys=keys)
            raise
        return Response(token, status=status.HTTP_201_CREATED)


class UserApiTokenView(PublicView):
    @documented(
        summary="Mint an api_token from an identity-provider access token",
        parameters=[
            OpenApiParameter("access_token", OpenApiTypes.STR, required=True),
            OpenApiParameter(
                "authentication_service_id",
                OpenApiTypes.STR,
                description="the provider's `service_id`; without it, the default OpenID Connect provider",
            ),
        ],
        ok={200: ApiTokenSerializer},
        errors=(400, 401, 503),
        e400="`no access_token`",
        e401=(
            "`invalid access_token`: not an access token at all, the issuer did not give it, it has expired, or it "
            "was issued to another application (suggestion `the access token was issued to another application, "
            "not to DDS`); suggestion `authentication service not registered` for an unknown "
            "`authentication_service_id`; `DDS cannot sign this person in: …` for a disabled account"
        ),
        e503="`identity provider communication failure`: the issuer cannot be reached",
    )
    def get(self, request):
        if "access_token" not in request.query_params:
            raise errors.MissingAccessToken()
        access_token = request.query_params["access_token"].strip()
        if not access_token:
            raise errors.InvalidAccessToken()
        token = services.api_token_from_access_token(
            access_token=access_token,
            authentication_service_id=request.query_params.get("authentication_service_id"),
        )
        return Response(token)


def _current_user(request, user):
    return Response(CurrentUserSerializer(selectors.user_detail(user), context={"agent": request.auth.agent}).data)


class CurrentUserView(APIView):
    @documented(summary="The caller", ok={200: CurrentUserSerializer})
    def get(self, request):
        return _current_user(request, request.user)

    @documented(
        summary="Change the caller's own settings: whether DDS emails them",
        request=CurrentUserUpdateSerializer,
        ok={200: CurrentUserSerializer},
        errors=(400, 401),
    )
    def put(self, request):
        data = validated(CurrentUserUpdateSerializer, request.data)
        return _current_user(request, services.user_update(user=request.user, **data))


def _user_key(user):
    key = ApiKey.objects.filter(user=user).first()
    if key is None:
        raise errors.NotFound("ApiKey", suggestion="you must create an ApiKey")
    return key


class CurrentUserApiKeyView(APIView):
    permission_classes = [NotAgentSession]

    @documented(summary="The caller's user key", ok={200: ApiKeySerializer}, errors=(401, 403, 404))
    def get(self, request):
        return Response(ApiKeySerializer(_user_key(request.user)).data)

    @documented(summary="Replace the caller's user key", request=None, ok={200: ApiKeySerializer}, errors=(401, 403))
    def put(self, request):
        return Response(ApiKeySerializer(services.api_key_rotate(owner=request.user)).data)

    @documented(summary="Delete the caller's user key", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request):
        services.api_key_delete(owner=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SoftwareAgentListView(APIView):
    permission_classes = [NotAgentSession]

    @documented(summary="All software agents", ok={200: SoftwareAgentSerializer(many=True)}, errors=(401, 403))
    def get(self, request):
        agents = selectors.software_agents().filter(is_deleted=False).order_by("name", "id")
        return Response(results(SoftwareAgentSerializer(agents, many=True).data))

    @documented(
        summary="Register a software agent (its agent key is created too)",
        request=SoftwareAgentCreateSerializer,
        ok={201: SoftwareAgentSerializer},
        errors=(400, 401, 403),
    )
    def post(self, request):
        data = validated(SoftwareAgentCreateSerializer, request.data)
        agent = services.software_agent_create(actor=request.auth, **data)
        return Response(SoftwareAgentSerializer(agent).data, status=status.HTTP_201_CREATED)


def _agent(pk, *, live=False):
    queryset = selectors.software_agents()
    if live:
        queryset = queryset.filter(is_deleted=False)
    return get_or_404(queryset, "SoftwareAgent", pk)


class SoftwareAgentView(APIView):
    permission_classes = [NotAgentSession]

    @documented(summary="A software agent", ok={200: SoftwareAgentSerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        return Response(SoftwareAgentSerializer(_agent(id)).data)

    @documented(
        summary="Update a software agent (its creator or a system admin)",
        request=SoftwareAgentUpdateSerializer,
        ok={200: SoftwareAgentSerializer},
        errors=(400, 401, 403, 404),
    )
    def put(self, request, id):
        agent = _agent(id, live=True)
        require_creator_or_system_admin(request.user, agent)
        data = validated(SoftwareAgentUpdateSerializer, request.data)
        agent = services.software_agent_update(actor=request.auth, agent=agent, **data)
        return Response(SoftwareAgentSerializer(agent).data)

    @documented(summary="Delete a software agent (logical)", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id):
        agent = _agent(id, live=True)
        require_creator_or_system_admin(request.user, agent)
        services.software_agent_delete(actor=request.auth, agent=agent)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SoftwareAgentApiKeyView(APIView):
    permission_classes = [NotAgentSession]

    def _agent(self, request, id):
        agent = _agent(id, live=True)
        require_creator_or_system_admin(request.user, agent)
        return agent

    @documented(summary="A software agent's key", ok={200: ApiKeySerializer}, errors=(401, 403, 404))
    def get(self, request, id):
        key = ApiKey.objects.filter(software_agent=self._agent(request, id)).first()
        if key is None:
            raise errors.NotFound("ApiKey", suggestion="you must create an ApiKey")
        return Response(ApiKeySerializer(key).data)

    @documented(
        summary="Replace a software agent's key", request=None, ok={200: ApiKeySerializer}, errors=(401, 403, 404)
    )
    def put(self, request, id):
        return Response(ApiKeySerializer(services.api_key_rotate(owner=self._agent(request, id))).data)

    @documented(summary="Delete a software agent's key", ok={204: None}, errors=(401, 403, 404))
    def delete(self, request, id):
        services.api_key_delete(owner=self._agent(request, id))
        return Response(status=status.HTTP_204_NO_CONTENT)


_USER_FILTERS = ("full_name_contains", "first_name_begins_with", "last_name_begins_with", "username", "email")


class UserListView(APIView):
    @documented(
        summary="Users, filtered",
        parameters=[OpenApiParameter(name, OpenApiTypes.STR) for name in _USER_FILTERS],
        ok={200: UserSerializer(many=True)},
        errors=(400, 401),
        paged=True,
    )
    def get(self, request):
        filters = {name: request.query_params.get(name, "") for name in _USER_FILTERS}
        return paged_response(
            request, selectors.user_list(**filters), lambda page: UserSerializer(page, many=True).data
        )


class UserView(APIView):
    @documented(summary="A user", ok={200: UserSerializer}, errors=(401, 404))
    def get(self, request, id):
        return Response(UserSerializer(get_or_404(selectors.users(), "User", id)).data)


class AuthProviderListView(PublicView):
    @documented(summary="Identity providers", ok={200: AuthProviderSerializer(many=True)}, errors=(400,), paged=True)
    def get(self, request):
        return paged_response(
            request, selectors.auth_providers(), lambda page: AuthProviderSerializer(page, many=True).data
        )


class AuthProviderView(PublicView):
    @documented(summary="An identity provider", ok={200: AuthProviderSerializer}, errors=(404,))
    def get(self, request, id):
        return Response(
            AuthProviderSerializer(get_or_404(selectors.auth_providers(), "AuthenticationService", id)).data
        )


def _provider(id):
    return get_or_404(selectors.auth_providers(), "AuthenticationService", id)


_NO_DIRECTORY = (
    "`authentication provider does not support affilate searches`: an OpenID Connect provider without a directory"
)
_DIRECTORY_DOWN = "`identity provider communication failure`: the provider's directory cannot be reached"
_AFFILIATE_FILTERS = ("username", "email", "full_name_contains")


class AffiliatesView(APIView):
    @documented(
        summary="Search a provider's directory",
        operation_id="auth_providers_affiliates_list",
        parameters=[OpenApiParameter(name, OpenApiTypes.STR) for name in _AFFILIATE_FILTERS],
        ok={200: AffiliateSerializer(many=True)},
        errors=(400, 401, 404, 503),
        e400=_NO_DIRECTORY,
        e503=_DIRECTORY_DOWN,
        paged=True,
    )
    def get(self, request, id):
        filters = {name: request.query_params.get(name, "") for name in _AFFILIATE_FILTERS}
        people = selectors.affiliate_list(service=_provider(id), **filters)
        return paged_list_response(request, people, lambda page: AffiliateSerializer(page, many=True).data)


class AffiliateView(APIView):
    @documented(
        summary="A person in a provider's directory",
        ok={200: AffiliateSerializer},
        errors=(400, 401, 404, 503),
        e400=_NO_DIRECTORY,
        e404="`AuthenticationService Not Found` or `Affiliate Not Found`",
        e503=_DIRECTORY_DOWN,
    )
    def get(self, request, id, uid):
        return Response(AffiliateSerializer(selectors.affiliate_get(service=_provider(id), uid=uid)).data)


class AffiliateUserView(APIView):
    @documented(
        summary="Register a directory person as a user of that provider",
        request=None,
        ok={201: UserSerializer},
        errors=(400, 401, 404, 409, 503),
        e400=_NO_DIRECTORY,
        e404="`AuthenticationService Not Found` or `Affiliate Not Found`",
        e409="`Affiliate already registered`: the person is a user of this provider already",
        e503=_DIRECTORY_DOWN,
    )
    def post(self, request, id, uid):
        service = _provider(id)
        person = selectors.affiliate_get(service=service, uid=uid)
        if service.kind == AuthenticationService.Kind.LOCAL:
            raise errors.AffiliateExists()
        user = services.affiliate_register(actor=request.auth, service=service, person=person)
        return Response(UserSerializer(selectors.user_detail(user)).data, status=status.HTTP_201_CREATED)
