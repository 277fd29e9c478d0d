"""The sign-in pages for people: /login lists the identity providers (or goes straight to the only one), sends the
browser to the chosen one (authorization code flow with PKCE) and, once signed in, shows the person their DDS
client config and lets them make or replace their user key.

Plain server-rendered pages with forms: they work without JavaScript. A failure is the service's own page with a
sentence for a person, never the API's wording: 400 for a sign-in that cannot go on as it is (not started by this
browser, a provider's answer that does not confirm it, an unknown provider), 403 when the person may not sign in
(they cancelled, or their account is refused), 503 when the provider cannot be reached or none is connected. Pages
that show keys are never cached.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dds import errors
from dds.lookups import parse_uuid

from . import oidc, selectors, services
from .models import AuthenticationService

_PENDING = "dds_signin"
_USERNAME_TAKEN = "dds_signin_username_taken"
# A page of this service that sent the person to sign in (an invitation), where the callback brings them back.
SIGNIN_NEXT = "dds_signin_next"
LAST_PROVIDER_COOKIE = "dds_provider"
_LAST_PROVIDER_AGE = timedelta(days=365)
_CANCELLED = "access_denied"


def _base_url(request):
    return settings.SIGNIN_BASE_URL or request.build_absolute_uri("/").rstrip("/")


def redirect_uri(request):
    """The redirect URI DDS sends to every identity provider, which operators register there."""
    return _base_url(request) + "/login/callback"


def _failure(request, status, sentence):
    return render(request, "accounts/signin_failed.html", {"sentence": sentence}, status=status)


def _error_page(request, error, service):
    """The page for an error met while signing in through `service`."""
    if isinstance(error, errors.ServiceUnavailable):
        return _failure(request, 503, f"{service} cannot be reached just now. Please try again in a few minutes.")
    if isinstance(error, errors.SignInRefused):
        return _failure(request, 403, f"{service} knows you, but DDS cannot sign you in: {error.why}.")
    return _failure(request, 400, f"{service} did not confirm that you signed in. Please sign in again.")


def _client_config_page(request):
    user_key, agent_key = selectors.client_keys(user=request.user, agent_name=services.CLIENT_AGENT_NAME)
    context = {
        "url": _base_url(request) + "/api/v1",
        "user_key": user_key,
        "agent_key": agent_key,
        "username_taken": request.session.pop(_USERNAME_TAKEN, None),
    }
    return render(request, "accounts/client_config.html", context)


def _start(request, service):
    try:
        url, pending = oidc.authorization_request(service, redirect_uri=redirect_uri(request))
    except errors.DDSError as error:
        return _error_page(request, error, service)
    request.session[_PENDING] = pending
    return redirect(url)


@never_cache
@require_GET
def signin(request):
    if request.user.is_authenticated:
        return _client_config_page(request)
    choices = list(selectors.signin_services())
    if not choices:
        return _failure(
            request,
            503,
            "Signing in is not set up on this DDS yet: its operators have not connected an identity provider.",
        )
    if "provider" in request.GET:
        chosen = parse_uuid(request.GET["provider"])
        service = next((choice for choice in choices if choice.service_id == chosen), None)
        if service is None:
            return _failure(request, 400, "There is no such identity provider here. Choose yours on the sign-in page.")
        return _start(request, service)
    if len(choices) == 1:
        return _start(request, choices[0])
    last = parse_uuid(request.COOKIES.get(LAST_PROVIDER_COOKIE, ""))
    choices.sort(key=lambda choice: choice.service_id != last)  # the last one used first; stable otherwise
    return render(request, "accounts/signin_choose.html", {"choices": choices, "last": last})


def _callback_failure(request, params, service):
    """The page for a callback that cannot sign anyone in, or None."""
    if service is None:
        return _failure(
            request, 400, "This sign-in was not started in this browser, or it is over already. Please sign in again."
        )
    if params.get("error") == _CANCELLED:
        return _failure(request, 403, f"You did not sign in at {service}: it was cancelled, or {service} refused it.")
    if "error" in params or not params.get("code"):
        return _failure(request, 400, f"{service} could not sign you in. Please sign in again.")
    return None


@never_cache
@require_GET
def signin_callback(request):
    pending = request.session.pop(_PENDING, None)
    params = request.GET
    service = None
    if pending is not None and params.get("state") == pending["state"]:
        service = AuthenticationService.objects.filter(pk=pending["service"]).first()
    failure = _callback_failure(request, params, service)
    if failure is not None:
        return failure
    try:
        claims = oidc.code_exchange(service, code=params["code"], redirect_uri=redirect_uri(request), pending=pending)
        user = services.user_sign_in(service=service, claims=claims)
    except errors.DDSError as error:
        return _error_page(request, error, service)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    claimed = services.claimed_username(service, claims)
    if user.username != claimed:
        request.session[_USERNAME_TAKEN] = claimed
    back_to = request.session.pop(SIGNIN_NEXT, "")
    response = redirect(back_to if back_to.startswith("/") and not back_to.startswith("//") else "signin")
    response.set_cookie(
        LAST_PROVIDER_COOKIE,
        str(service.service_id),
        max_age=_LAST_PROVIDER_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


@never_cache
@require_POST
def client_keys(request):
    if not request.user.is_authenticated:
        return redirect("signin")
    services.client_keys_issue(user=request.user)
    return redirect("signin")


@never_cache
@require_POST
def signout(request):
    logout(request)
    return render(request, "accounts/signed_out.html")
