from django.urls import re_path

from . import signin

# Pages people type or follow: each answers with and without a trailing slash, as the API's routes do.
urlpatterns = [
    re_path(r"^login/?$", signin.signin, name="signin"),
    re_path(r"^login/callback/?$", signin.signin_callback, name="signin_callback"),
    re_path(r"^login/keys/?$", signin.client_keys, name="signin_keys"),
    re_path(r"^logout/?$", signin.signout, name="signout"),
]
