"""The real routes plus two that fail, to see what a client gets from an unexpected error."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from dds.urls import urlpatterns as real_urlpatterns


class FailingApiView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("secret internals")


def failing_plain_view(request):
    raise RuntimeError("secret internals")


urlpatterns = [
    path("api/v1/failing", FailingApiView.as_view()),
    path("plain/failing", failing_plain_view),
    *real_urlpatterns,
]
handler500 = "dds.exception_handler.handler500"
