from django.urls import path

from . import signin

urlpatterns = [
    path("login", signin.signin, name="signin"),
    path("login/callback", signin.signin_callback, name="signin_callback"),
    path("login/keys", signin.client_keys, name="signin_keys"),
    path("logout", signin.signout, name="signout"),
]
