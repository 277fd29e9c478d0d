from rest_framework.response import Response
from rest_framework.views import APIView

from dds.lookups import get_or_404
from dds.openapi import documented
from dds.pagination import results

from . import selectors
from .serializers import StorageProviderSerializer


class StorageProviderListView(APIView):
    @documented(summary="Storage providers", ok={200: StorageProviderSerializer(many=True)})
    def get(self, request):
        return Response(results(StorageProviderSerializer(selectors.storage_providers(), many=True).data))


class StorageProviderView(APIView):
    @documented(summary="A storage provider", ok={200: StorageProviderSerializer}, errors=(401, 404))
    def get(self, request, id):
        return Response(StorageProviderSerializer(get_or_404(selectors.storage_providers(), "StorageProvider", id)).data)
