"""The OpenID Connect client: an issuer's discovery document, access-token checks, and the authorization code flow
with PKCE that /login runs.

Signed tokens are checked with PyJWT against the issuer's JWKS (`PyJWKClient` fetches and caches the keys, and
fetches them again for a key id it has not seen, so an issuer can rotate its keys). An access token that is not a
JWT is opaque: the issuer's introspection endpoint (RFC 7662), asked with DDS's client credentials, says whether it
is active and which client it was issued to, and its userinfo endpoint whose it is. An access token is taken only
when it is shown to be for DDS. An issuer that cannot be reached is a 503 `identity provider communication
failure`; a token it did not give, that has expired, or that is for another application, is a 401.
"""

import base64
import hashlib
import re
import secrets
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from dds import errors

_DISCOVERY_PATH = "/.well-known/openid-configuration"
_DISCOVERY_CACHE_SECONDS = 300
# Asymmetric algorithms only: an issuer's tokens are checked with its public keys, never with a shared secret.
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
_EXPIRED = "the access token has expired: sign in again"
_NOT_FOR_DDS = "the access token was issued to another application, not to DDS"
# What an OAuth 2.0 bearer token is made of (RFC 6750 section 2.1, `b64token`): anything else was never issued.
_ACCESS_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

_key_clients = {}


def _unreachable(issuer):
    return errors.IdentityProviderUnavailable(
        suggestion=f"the identity provider {issuer} did not answer; please try again in a few minutes"
    )


def _request(issuer, method, url, **kwargs):
    """The issuer's answer; a 503 when it cannot be reached or answers with a server error."""
    try:
        response = requests.request(method, url, timeout=settings.OIDC_TIMEOUT, **kwargs)
    except requests.RequestException:
        raise _unreachable(issuer) from None
    if response.status_code >= 500:
        raise _unreachable(issuer)
    return response


def _get(issuer, url, **kwargs):
    return _request(issuer, "GET", url, **kwargs)


def _json_object(response):
    """The JSON object of a 200 answer, else None."""
    try:
        document = response.json() if response.status_code == 200 else None
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def metadata(service, *, fresh=False):
    """The issuer's discovery document, cached for a few minutes; `fresh`: asked for again, which also shows the
    issuer can be reached now."""
    issuer = service.base_uri.rstrip("/")
    key = "oidc-metadata:" + hashlib.sha256(issuer.encode()).hexdigest()
    document = None if fresh else cache.get(key)
    if document is None:
        document = _json_object(_get(issuer, issuer + _DISCOVERY_PATH))
        if document is None or document.get("issuer", "").rstrip("/") != issuer:
            raise _unreachable(issuer)
        cache.set(key, document, _DISCOVERY_CACHE_SECONDS)
    return document


def _key_client(jwks_uri):
    client = _key_clients.get(jwks_uri)
    if client is None:
        client = _key_clients.setdefault(jwks_uri, jwt.PyJWKClient(jwks_uri, timeout=settings.OIDC_TIMEOUT))
    return client


def _verified_claims(document, token, *, audience):
    issuer = document["issuer"]
    try:
        key = _key_client(document["jwks_uri"]).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError:
        raise _unreachable(issuer) from None
    except (jwt.PyJWKClientError, jwt.InvalidTokenError):
        raise errors.InvalidAccessToken() from None
    try:
        return jwt.decode(
            token,
            key,
            algorithms=_ALGORITHMS,
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iss", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise errors.InvalidAccessToken(suggestion=_EXPIRED) from None
    except jwt.InvalidTokenError:
        raise errors.InvalidAccessToken() from None


def _userinfo(document, access_token):
    endpoint = document.get("userinfo_endpoint")
    if not endpoint:
        return None
    claims = _json_object(_get(document["issuer"], endpoint, headers={"Authorization": f"Bearer {access_token}"}))
    if claims is None or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise errors.InvalidAccessToken()
    return claims


def _issued_to_dds(service, claims):
    """Whether an introspection's answer shows the token was issued for DDS: its audience holds the service's
    `audience`, or the client it was issued to is DDS's client."""
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences if isinstance(audiences, list) else []
    if service.audience and service.audience in audiences:
        return True
    return claims.get("client_id", claims.get("azp")) == service.client_id


def _introspected(service, document, access_token):
    """The issuer's introspection answer (RFC 7662) for an active opaque token issued for DDS; 401 otherwise."""
    endpoint = document.get("introspection_endpoint")
    if not endpoint:
        raise errors.InvalidAccessToken(
            suggestion="the identity provider cannot say whom an opaque token is for: send a JWT access token for DDS"
        )
    answer = _json_object(
        _request(
            document["issuer"],
            "POST",
            endpoint,
            data={"token": access_token, "token_type_hint": "access_token"},
            auth=(service.client_id, service.client_secret),
        )
    )
    if answer is None or answer.get("active") is not True or not isinstance(answer.get("sub"), str):
        raise errors.InvalidAccessToken()
    if not _issued_to_dds(service, answer):
        raise errors.InvalidAccessToken(suggestion=_NOT_FOR_DDS)
    return answer


def _is_jwt(token):
    try:
        jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        return False
    return True


def access_token_claims(service, access_token):
    """The claims of the person an access token from `service`'s issuer was given to, when it is for DDS.

    A JWT must be signed by the issuer, unexpired, and meant for this service: `aud` holds the service's audience,
    or, without one, its client id, and then the client it was issued to (`client_id`, `azp`), when it names one, is
    DDS's. Any other token is opaque: the issuer's introspection must say it is active and issued for DDS, and its
    userinfo endpoint says whose it is.
    """
    if not _ACCESS_TOKEN.fullmatch(access_token):
        raise errors.InvalidAccessToken(suggestion="an access token holds only letters, digits and -._~+/=")
    document = metadata(service)
    if _is_jwt(access_token):
        claims = _verified_claims(document, access_token, audience=service.audience or service.client_id)
        if not service.audience and claims.get("client_id", claims.get("azp")) not in (None, service.client_id):
            raise errors.InvalidAccessToken(suggestion=_NOT_FOR_DDS)
        return claims
    introspected = _introspected(service, document, access_token)
    userinfo = _userinfo(document, access_token)
    if userinfo is None:
        return introspected
    if userinfo["sub"] != introspected["sub"]:
        raise errors.InvalidAccessToken()
    return userinfo


def _challenge(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_request(service, *, redirect_uri):
    """The issuer URL to send a browser to, and what the callback needs to finish: `(url, pending)`. The issuer is
    asked for its discovery document now, so that a browser is never sent to an issuer that is down."""
    document = metadata(service, fresh=True)
    pending = {
        "service": str(service.id),
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(24),
        "verifier": secrets.token_urlsafe(48),
    }
    query = {
        "response_type": "code",
        "client_id": service.client_id,
        "redirect_uri": redirect_uri,
        "scope": service.scope,
        "state": pending["state"],
        "nonce": pending["nonce"],
        "code_challenge": _challenge(pending["verifier"]),
        "code_challenge_method": "S256",
    }
    return f"{document['authorization_endpoint']}?{urlencode(query)}", pending


def code_exchange(service, *, code, redirect_uri, pending):
    """Trade an authorization code for tokens; the claims of the ID token, completed by the userinfo endpoint."""
    document = metadata(service)
    response = _request(
        document["issuer"],
        "POST",
        document["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pending["verifier"],
        },
        auth=(service.client_id, service.client_secret),
    )
    tokens = _json_object(response) or {}
    if not isinstance(tokens.get("id_token"), str):
        raise errors.InvalidAccessToken(suggestion="the identity provider refused the sign-in: sign in again")
    claims = _verified_claims(document, tokens["id_token"], audience=service.client_id)
    if claims.get("nonce") != pending["nonce"]:
        raise errors.InvalidAccessToken(suggestion="the sign-in was not the one this browser started: sign in again")
    access_token = tokens.get("access_token")
    if isinstance(access_token, str) and _ACCESS_TOKEN.fullmatch(access_token):
        userinfo = _userinfo(document, access_token)
        if userinfo is not None and userinfo["sub"] == claims["sub"]:
            claims = {**userinfo, **claims}
    return claims
