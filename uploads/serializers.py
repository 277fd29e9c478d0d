from rest_framework import serializers

from .models import StorageProvider


class StorageProviderSerializer(serializers.ModelSerializer):
    class Meta:
        model = StorageProvider
        fields = [
            "id",
            "name",
            "description",
            "is_deprecated",
            "is_default",
            "chunk_hash_algorithm",
            "chunk_max_number",
            "chunk_max_size_bytes",
        ]
