from .models import AuthenticationService, SoftwareAgent, User


def users():
    return (
        User.objects.filter(is_active=True)
        .prefetch_related("identities__authentication_service")
        .select_related(*User.AUDIT_RELATED)
    )


def user_list(*, full_name_contains="", first_name_begins_with="", last_name_begins_with="", username="", email=""):
    """Users matching every given filter (CONTRACT §3.7); an empty value is no filter."""
    queryset = users()
    if full_name_contains:
        queryset = queryset.filter(full_name__icontains=full_name_contains)
    if first_name_begins_with:
        queryset = queryset.filter(first_name__istartswith=first_name_begins_with)
    if last_name_begins_with:
        queryset = queryset.filter(last_name__istartswith=last_name_begins_with)
    if username:
        queryset = queryset.filter(username=username)
    if email:
        queryset = queryset.filter(email=email)
    return queryset.order_by("username", "id")


def software_agents():
    return SoftwareAgent.objects.select_related(*SoftwareAgent.AUDIT_RELATED)


def auth_providers():
    return AuthenticationService.objects.order_by("-created_on", "id")
