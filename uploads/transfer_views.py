"""The filesystem backend's transfer endpoint: signed URLs, no Authorization header
(docs/api/conventions.md#signed-transfer-urls).

`PUT /storage/<provider>/<project>/<upload>/<number>` takes a chunk, `PUT …/<upload>` a non-chunked upload's
bytes, `GET …/<upload>?filename=` streams a verified object (with `Range`). Every refusal is the JSON envelope.
"""

import re
import time
from contextlib import contextmanager
from functools import partial

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from dds import errors
from dds.jobs.adapters import adapter
from dds.lookups import parse_uuid
from dds.openapi import error_responses

from . import selectors, services
from .storage.base import READ_BLOCK, StorageFull
from .storage.filesystem import FilesystemStorage, Rejected, signature_is_valid
from .storage.follower import FOLLOW_ACTOR, chunk_follow

# ASCII digits only: `\d` and str.isdigit() also take other scripts' digits and superscripts, which int() refuses.
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
_REGISTRATION = re.compile(r"^([0-9]{1,19})-([0-9a-f]{1,128})$")
_NUMBER = re.compile(r"^[0-9]{1,19}$")
# A byte position of more digits than this is past the end of any object; int() is never asked to read it.
_POSITION_DIGITS = 19


class ExpiredUrl(errors.Forbidden):
    reason = "signed URL expired or invalid"
    suggestion = "ask the API for a fresh URL"


class RejectedBytes(errors.BadRequest):
    suggestion = "send exactly the bytes whose size and md5 you registered, or register the chunk again"


class RangeNotSatisfiable(errors.DDSError):
    status_code = status.HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE
    reason = "requested range not satisfiable"
    suggestion = "ask for bytes within the object's size (Content-Range tells it)"

    def __init__(self, size):
        self.size = size
        super().__init__()

    def headers(self):
        return {"Content-Range": f"bytes */{self.size}"}


def _signed_upload(request, verb, provider_id, project_id, upload_id):
    """The upload a signed URL names, once its signature and expiry hold; 403 otherwise, never a hint why."""
    path = request.path
    expires = request.query_params.get("expires", "")
    filename = request.query_params.get("filename", "")
    registration = request.query_params.get("registration", "")
    signature = request.query_params.get("signature", "")
    if not _NUMBER.match(expires) or int(expires) < time.time():
        raise ExpiredUrl()
    if not signature_is_valid(verb, path, expires, filename, registration, signature):
        raise ExpiredUrl()
    ids = [parse_uuid(value) for value in (provider_id, project_id, upload_id)]
    upload = (
        selectors.signed_upload(provider_id=ids[0], project_id=ids[1], upload_id=ids[2]) if None not in ids else None
    )
    if upload is None:
        raise errors.NotFound("Upload")
    return upload, FilesystemStorage(upload.storage_provider), filename


def _segments_iterator(segments, start, length):
    """`length` bytes from `start` of the files `segments` (paths and their sizes, in order), each opened only when
    its turn comes and closed before the next: an object of any number of chunks needs one open file."""
    for path, size in segments:
        if start >= size:
            start -= size
            continue
        with path.open("rb") as source:
            source.seek(start)
            start = 0
            while length > 0 and (block := source.read(min(READ_BLOCK, length))):
                length -= len(block)
                yield block
        if length == 0:
            return


def _download(paths, range_header, filename):
    """The bytes of the files `paths` (in order): 200, or 206 for one satisfiable `bytes=` range, 416 for an
    unsatisfiable one. The files are opened one after the other as the body is sent, so that an object of any number
    of chunks needs one open file (a purge that removes them meanwhile ends the body short of its Content-Length)."""
    segments = [(path, path.stat().st_size) for path in paths]
    size = sum(segment_size for _, segment_size in segments)
    span = _range(range_header, size)
    if span is None and len(paths) == 1:
        response = FileResponse(paths[0].open("rb"), as_attachment=True, filename=filename)
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = span or (0, size - 1)
    response = StreamingHttpResponse(
        _segments_iterator(segments, start, end - start + 1),
        status=status.HTTP_206_PARTIAL_CONTENT if span else status.HTTP_200_OK,
    )
    if span:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Content-Type"] = "application/octet-stream"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Accept-Ranges"] = "bytes"
    return response


def _position(digits):
    """A byte position of a Range header; one of more than _POSITION_DIGITS digits reads as past any object's end."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _POSITION_DIGITS else 10**_POSITION_DIGITS


def _range(range_header, size):
    """(first, last) byte of one satisfiable `bytes=` range, None to send the whole object; 416 if unsatisfiable."""
    match = _RANGE.match(range_header.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = (_position(digits) if digits else None for digits in match.groups())
    if first is not None and last is not None and last < first:
        return None  # an invalid range is ignored (RFC 9110 section 14.2)
    if first is None:
        start, end = max(size - last, 0), size - 1
    else:
        start, end = first, min(last, size - 1) if last is not None else size - 1
    if start >= size or start > end:
        raise RangeNotSatisfiable(size)
    return start, end


_SCHEMA = {"tags": ["storage"], "auth": [], "request": None}

_E507 = "`insufficient storage`: the storage is full; nothing of the bytes was kept, nothing is marked stored."


def _follow(storage, upload, number, size, md5):
    """Have the chunk just stored followed (storage/follower.py) where the upload's verification may run: in this
    process beside the requests (inline mode), or by run_workers (a hint on the completion queue, not a job: nothing
    waits for it; a lost hint leaves the chunk to the verification)."""
    here = partial(chunk_follow, storage, upload, number, size, md5)
    adapter().hint(FOLLOW_ACTOR, str(upload.id), number, size, md5, here=here)


@contextmanager
def _receive_or_refuse():
    """Bytes unlike their registration are 400, a full storage 507."""
    try:
        yield
    except Rejected as rejected:
        raise RejectedBytes(str(rejected)) from None
    except StorageFull:
        raise errors.InsufficientStorage() from None


class StoredObjectView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = []

    @extend_schema(
        summary="Upload a non-chunked upload's bytes (a signed URL from its signed_url)",
        operation_id="storage_object_put",
        responses={201: None, **error_responses(400, 403, 404, 507, e507=_E507)},
        **_SCHEMA,
    )
    def put(self, request, provider_id, project_id, upload_id):
        upload, storage, _ = _signed_upload(request, "PUT", provider_id, project_id, upload_id)
        if upload.is_chunked or not upload.is_open:
            raise errors.BadRequest("upload already completed or chunked", "start a new upload")
        with _receive_or_refuse(), storage.object_stage(upload, request._request) as staged:
            services.upload_object_store(upload_id=upload.id, staged=staged)
        return HttpResponse(status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download an upload's bytes (a signed URL from a files or file_versions url endpoint)",
        operation_id="storage_object_get",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (206, "application/octet-stream"): OpenApiTypes.BINARY,
            **error_responses(403, 404, 416),
        },
        **_SCHEMA,
    )
    def get(self, request, provider_id, project_id, upload_id):
        upload, storage, filename = _signed_upload(request, "GET", provider_id, project_id, upload_id)
        segments = storage.object_segments(upload) if upload.is_verified else []
        if not segments or not selectors.has_live_version(upload):
            raise errors.NotFound("Upload", suggestion="no live file version has these bytes (any more)")
        try:
            return _download(segments, request.headers.get("Range", ""), filename or str(upload.id))
        except FileNotFoundError:
            raise errors.NotFound("Upload", suggestion="no live file version has these bytes (any more)") from None


class StoredChunkView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = []

    @extend_schema(
        summary="Refused: chunk URLs are signed for PUT only (403, as object storage answers a wrong verb)",
        operation_id="storage_chunk_get",
        responses=error_responses(403),
        **_SCHEMA,
    )
    def get(self, request, provider_id, project_id, upload_id, number):
        """Chunk URLs are signed for PUT only: another verb is refused as object storage refuses it (403)."""
        raise ExpiredUrl()

    @extend_schema(
        summary="Upload a chunk's bytes (a signed URL from PUT /uploads/{id}/chunks)",
        description=(
            "The URL is signed for one registration of the chunk (its size and md5). Bytes that arrive after the "
            "chunk was registered again are refused (409 `chunk was registered again`), and so are bytes that "
            "arrive after the upload was completed (400 `upload already completed`): neither ever replaces the "
            "bytes of the chunk's current registration."
        ),
        operation_id="storage_chunk_put",
        responses={
            201: None,
            **error_responses(
                400, 403, 404, 409, 507, e409="`chunk was registered again` since this URL was signed.", e507=_E507
            ),
        },
        **_SCHEMA,
    )
    def put(self, request, provider_id, project_id, upload_id, number):
        upload, storage, _ = _signed_upload(request, "PUT", provider_id, project_id, upload_id)
        registration = _REGISTRATION.match(request.query_params.get("registration", ""))
        if registration is None:
            raise ExpiredUrl()
        size, md5 = int(registration[1]), registration[2]
        chunk = selectors.chunk_of(upload, int(number)) if _NUMBER.match(number) else None
        if chunk is None:
            raise errors.NotFound("Chunk", suggestion="register the chunk with PUT /uploads/{id}/chunks first")
        if not upload.is_open:
            raise errors.UploadAlreadyCompleted()
        if (chunk.size, chunk.hash_value.lower()) != (size, md5):
            raise errors.ChunkRegisteredAgain()

        with _receive_or_refuse(), storage.chunk_stage(upload, chunk.number, size, md5, request._request) as staged:
            services.chunk_store(upload_id=upload.id, number=chunk.number, size=size, hash_value=md5, staged=staged)
        _follow(storage, upload, chunk.number, size, md5)
        return HttpResponse(status=status.HTTP_201_CREATED)
