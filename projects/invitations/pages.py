"""The page an invitation's link opens (`/invitations/<token>`): a person not signed in is sent to /login and brought
back here once signed in; signed in, they see what they are invited to and accept it with a button (a POST form)."""

from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dds import errors
from dds.accounts.signin import SIGNIN_NEXT
from dds.audit import Actor

from . import services


def _page(request, status, heading, sentence, *, usable=False):
    context = {"heading": heading, "sentence": sentence, "usable": usable}
    return render(request, "projects/invitation.html", context, status=status)


def _offer(request, invitation):
    inviter = (invitation.created_by.full_name or invitation.created_by.username) if invitation.created_by else "DDS"
    what = f"the role {invitation.auth_role.name} on the project {invitation.project.name}"
    if invitation.status != invitation.Status.PENDING:
        return _page(
            request, 409, "This invitation cannot be used", f"This invitation to {what} was {invitation.status}."
        )
    if invitation.expires_on <= timezone.now():
        return _page(request, 409, "This invitation cannot be used", f"This invitation to {what} has expired.")
    sentence = f"{inviter} invites you to {what}. It will be given to you, {request.user.username}."
    return _page(request, 200, "You are invited", sentence, usable=True)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_page(request, token):
    try:
        invitation = services.project_invitation_for_token(token)
    except errors.NotFound:
        return _page(request, 404, "No such invitation", "This link is not an invitation, or its project was deleted.")
    if not request.user.is_authenticated:
        request.session[SIGNIN_NEXT] = request.path
        return redirect("signin")
    if request.method == "GET":
        return _offer(request, invitation)
    try:
        accepted = services.project_invitation_accept(actor=Actor(user=request.user), token=token)
    except errors.DDSError:
        invitation.refresh_from_db()
        return _offer(request, invitation)
    sentence = f"You now have access to the project {accepted.project.name}."
    return _page(request, 200, "Invitation accepted", sentence)
