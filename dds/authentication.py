"""api_token authentication (docs/api/authentication.md#the-authorization-header): an HS256 JWT carried raw in the
`Authorization` header."""

import time

import jwt
from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from dds import errors, request_context
from dds.accounts.selectors import session_of
from dds.audit import Actor
from dds.lookups import parse_uuid

_ALGORITHM = "HS256"


def api_token_encode(*, user, agent=None, service=None):
    """The `{api_token, expires_on, time_to_live}` object for a session of `user` (acting through `agent`, or
    signed in through the authentication `service`)."""
    time_to_live = settings.API_TOKEN_TIME_TO_LIVE
    expires_on = int(time.time()) + time_to_live
    claims = {"id": str(user.id), "exp": expires_on}
    if agent is not None:
        claims["software_agent_id"] = str(agent.id)
    if service is not None:
        claims["service_id"] = str(service.service_id)
    token = jwt.encode(claims, settings.SECRET_KEY, algorithm=_ALGORITHM)
    return {"api_token": token, "expires_on": expires_on, "time_to_live": time_to_live}


def _decode(token):
    try:
        return jwt.decode(token, settings.SECRET_KEY, algorithms=[_ALGORITHM], options={"require": ["exp", "id"]})
    except jwt.ExpiredSignatureError:
        raise errors.ExpiredApiToken() from None
    except jwt.InvalidTokenError:
        raise errors.InvalidApiToken() from None


class ApiTokenAuthentication(BaseAuthentication):
    """Sets `request.user` to the token's user and `request.auth` to an `Actor` (user and agent)."""

    def authenticate(self, request):
        token = request.META.get("HTTP_AUTHORIZATION", "").strip()
        if not token:
            return None
        claims = _decode(token)
        agent_id = parse_uuid(claims["software_agent_id"]) if "software_agent_id" in claims else None
        if "software_agent_id" in claims and agent_id is None:
            raise errors.InvalidApiToken()
        session = session_of(user_id=parse_uuid(claims["id"]), agent_id=agent_id)
        if session is None:
            raise errors.InvalidApiToken()
        user, agent = session
        request_context.user_id.set(user.id)
        return user, Actor(user=user, agent=agent)

    def authenticate_header(self, request):
        return "api_token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "api_token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The raw api_token from POST /software_agents/api_token, without any `Bearer` prefix.",
        }
