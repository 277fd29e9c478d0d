"""The service's URLs plus GET /bench/noop: the bare authenticated no-op bench/load.py compares endpoints with.

It authenticates the api_token as every API endpoint does (the default authentication and permission classes) and
answers `{}`: what any authenticated request costs at the least. It is never part of the service.
"""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from dds.urls import handler404, handler500  # noqa: F401  (Django reads them from the root URL configuration)
from dds.urls import urlpatterns as service_urlpatterns


class NoopView(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [path("bench/noop", NoopView.as_view()), *service_urlpatterns]
