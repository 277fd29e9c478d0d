from django.db import transaction


@transaction.atomic
def storage_provider_save(*, provider, is_new):
    """Save an operator's provider; a new one gets storage for every live project, initialized by jobs."""
    from projects.services import project_storage_add_everywhere

    provider.save()
    if is_new and not provider.is_deprecated:
        project_storage_add_everywhere(storage_provider=provider)
    return provider
