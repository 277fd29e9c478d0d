"""The OpenID Connect client: an issuer's discovery document, access-token checks, and the authorization code flow
with PKCE that /login runs.

Signed tokens are checked with PyJWT against the issuer's JWKS (`PyJWKClient` fetches and caches the keys, and
fetches them again for a key id it has not seen, so an issuer can rotate its keys). An access token that is not a
JWT is opaque: the issuer's userinfo endpoint says whose it is. An issuer that cannot be reached is a 503
`identity provider communication failure`; a token it did not give, or that has expired, is a 401.
"""

import base64
import hashlib
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

_key_clients = {}


def _unreachable(issuer):
    return errors.IdentityProviderUnavailable(
        suggestion=f"the identity provider {issuer} did not answer; please try again in a few minutes"
    )


def _get(issuer, url, **kwargs):
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, **kwargs)
    except requests.RequestException:
        raise _unreachable(issuer) from None
    return response


def metadata(service):
    """The issuer's discovery document, cached for a few minutes."""
    issuer = service.base_uri.rstrip("/")
    key = "oidc-metadata:" + hashlib.sha256(issuer.encode()).hexdigest()
    document = cache.get(key)
    if document is None:
        response = _get(issuer, issuer + _DISCOVERY_PATH)
        try:
            document = response.json() if response.status_code == 200 else None
        except ValueError:
            document = None
        if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
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
    issuer = document["issuer"]
    endpoint = document.get("userinfo_endpoint")
    if not endpoint:
        raise errors.InvalidAccessToken(suggestion="the identity provider has no userinfo endpoint: send a JWT")
    response = _get(issuer, endpoint, headers={"Authorization": f"Bearer {access_token}"})
    if response.status_code >= 500:
        raise _unreachable(issuer)
    try:
        claims = response.json() if response.status_code == 200 else None
    except ValueError:
        claims = None
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise errors.InvalidAccessToken()
    return claims


def _is_jwt(token):
    try:
        jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        return False
    return True


def access_token_claims(service, access_token):
    """The claims of the person an access token from `service`'s issuer was given to.

    A JWT must be signed by the issuer, unexpired, and meant for this service (`aud` holds the service's audience,
    or its client id); any other token is asked about at the issuer's userinfo endpoint.
    """
    document = metadata(service)
    if _is_jwt(access_token):
        return _verified_claims(document, access_token, audience=service.audience or service.client_id)
    return _userinfo(document, access_token)


def _challenge(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorization_request(service, *, redirect_uri):
    """The issuer URL to send a browser to, and what the callback needs to finish: `(url, pending)`."""
    document = metadata(service)
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
    issuer = document["issuer"]
    try:
        response = requests.post(
            document["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": pending["verifier"],
            },
            auth=(service.client_id, service.client_secret),
            timeout=settings.OIDC_TIMEOUT,
        )
    except requests.RequestException:
        raise _unreachable(issuer) from None
    if response.status_code >= 500:
        raise _unreachable(issuer)
    try:
        tokens = response.json() if response.status_code == 200 else {}
    except ValueError:
        tokens = {}
    if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise errors.InvalidAccessToken(suggestion="the identity provider refused the sign-in: sign in again")
    claims = _verified_claims(document, tokens["id_token"], audience=service.client_id)
    if claims.get("nonce") != pending["nonce"]:
        raise errors.InvalidAccessToken(suggestion="the sign-in was not the one this browser started: sign in again")
    access_token = tokens.get("access_token")
    if isinstance(access_token, str) and document.get("userinfo_endpoint"):
        userinfo = _userinfo(document, access_token)
        if userinfo["sub"] == claims["sub"]:
            claims = {**userinfo, **claims}
    return claims
