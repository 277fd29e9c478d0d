"""The sign-in pages for people: /login sends the browser to the identity provider (authorization code flow with
PKCE) and, once signed in, shows the person their DDS client config and lets them make or replace their user key.

Plain server-rendered pages with forms: they work without JavaScript. A failure is a page that says what went
wrong, with the status the API would give (401 for a refused sign-in, 503 when the issuer cannot be reached).
"""

from django.conf import settings
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from dds import errors

from . import oidc, selectors, services
from .models import AuthenticationService

_PENDING = "dds_signin"


def _base_url(request):
    return settings.SIGNIN_BASE_URL or request.build_absolute_uri("/").rstrip("/")


def _redirect_uri(request):
    return _base_url(request) + "/login/callback"


def _failure(request, error):
    context = {"status": error.status_code, "reason": error.reason, "suggestion": error.suggestion}
    return render(request, "accounts/signin_failed.html", context, status=error.status_code)


def _client_config_page(request):
    user_key, agent_key = selectors.client_keys(user=request.user, agent_name=services.CLIENT_AGENT_NAME)
    context = {"url": _base_url(request) + "/api/v1", "user_key": user_key, "agent_key": agent_key}
    return render(request, "accounts/client_config.html", context)


@require_GET
def signin(request):
    if request.user.is_authenticated:
        return _client_config_page(request)
    try:
        service = selectors.signin_service()
        url, pending = oidc.authorization_request(service, redirect_uri=_redirect_uri(request))
    except errors.DDSError as error:
        return _failure(request, error)
    request.session[_PENDING] = pending
    return redirect(url)


@require_GET
def signin_callback(request):
    pending = request.session.pop(_PENDING, None)
    params = request.GET
    try:
        if pending is None or params.get("state") != pending["state"]:
            raise errors.InvalidAccessToken(suggestion="this sign-in was not started by this browser: sign in again")
        if "error" in params or not params.get("code"):
            reason = params.get("error_description") or params.get("error") or "no authorization code"
            raise errors.InvalidAccessToken(suggestion=f"the identity provider answered: {reason}")
        service = AuthenticationService.objects.filter(pk=pending["service"]).first()
        if service is None:
            raise errors.UnknownAuthenticationService()
        claims = oidc.code_exchange(service, code=params["code"], redirect_uri=_redirect_uri(request), pending=pending)
        user = services.user_sign_in(service=service, claims=claims)
    except errors.DDSError as error:
        return _failure(request, error)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return redirect("signin")


@require_POST
def client_keys(request):
    if not request.user.is_authenticated:
        return redirect("signin")
    services.client_keys_issue(user=request.user)
    return redirect("signin")


@require_POST
def signout(request):
    logout(request)
    return render(request, "accounts/signed_out.html")
