from .models import StorageProvider


def storage_providers():
    return StorageProvider.objects.all()


def active_storage_providers():
    return StorageProvider.objects.filter(is_deprecated=False)
