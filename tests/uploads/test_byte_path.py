"""The signed chunk PUT goes one way: the transfer endpoint stages the bytes with the storage backend, then the service
commits the staged bytes under the upload's lock; no call goes back into a module already on the way."""

import sys

from uploads.models import Chunk

from ..client import TestApi, chunk_body
from ..workers import ROOT

DATA = b"one chunk's bytes"


def project_walk(request):
    """`request()`'s calls between the project's own modules: (the modules entered in order, the re-entries: calls into
    a module already on the project call stack from another one)."""
    stack, entered, reentries = [], [], []

    def profile(frame, event, arg):
        if event == "call":
            module = frame.f_code.co_filename
            ours = module.startswith(str(ROOT)) and "/.venv" not in module and "/tests/" not in module
            on_stack = [name for name in stack if name]
            if ours and on_stack and on_stack[-1] != module:
                entered.append(module.removeprefix(f"{ROOT}/"))
                if module in on_stack:
                    reentries.append((on_stack[-1].removeprefix(f"{ROOT}/"), entered[-1]))
            elif ours and not on_stack:
                entered.append(module.removeprefix(f"{ROOT}/"))
            stack.append(module if ours else None)
        elif event == "return" and stack:
            stack.pop()

    sys.setprofile(profile)
    try:
        response = request()
    finally:
        sys.setprofile(None)
    return response, entered, reentries


def test_a_signed_chunk_put_re_enters_no_module(as_alice, create_upload):
    upload = create_upload(size=len(DATA))
    api = TestApi(as_alice)
    descriptor = api.call("PUT", f"/uploads/{upload['id']}/chunks", 200, json=chunk_body(1, DATA))

    response, entered, reentries = project_walk(lambda: api.send(descriptor, DATA))

    assert response.status_code == 201
    assert Chunk.objects.get(upload_id=upload["id"]).is_stored is True
    assert reentries == []
    way = [module for module in entered if module.startswith("uploads/")]
    first = {module: way.index(module) for module in reversed(way)}
    assert first["uploads/transfer_views.py"] < first["uploads/storage/filesystem.py"] < first["uploads/services.py"]
