"""S3-compatible object storage through boto3: chunks are multipart-upload parts sent straight to S3 with presigned
URLs that need no extra request header; completion compares ListParts with the registered chunks."""

from functools import lru_cache
from urllib.parse import quote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from .base import (
    CHUNK_HASH_MISMATCH,
    NOT_IN_STORE,
    READ_BLOCK,
    SIGNED_URL_SECONDS,
    SIZE_MISMATCH,
    Hashes,
    StorageBackend,
    StorageUnreachable,
    Verification,
    transfer_descriptor,
)

_MISSING = {"404", "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound"}


def _code(error):
    return error.response.get("Error", {}).get("Code", "")


def _reachable(call):
    """Run a boto3 call; no answer, a 5xx or throttling becomes StorageUnreachable (retried), other errors pass."""
    try:
        return call()
    except BotoCoreError as error:
        raise StorageUnreachable(str(error)) from error
    except ClientError as error:
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500 or _code(error) in ("SlowDown", "RequestTimeout", "Throttling"):
            raise StorageUnreachable(str(error)) from error
        raise


@lru_cache(maxsize=32)
def _client(endpoint_url, access_key_id, secret_access_key, region):
    """One client per connection (boto3 clients are thread-safe and slow to make)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        region_name=region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    )


def _descriptor(verb, presigned):
    parts = urlsplit(presigned)
    return transfer_descriptor(verb, f"{parts.scheme}://{parts.netloc}", f"{parts.path}?{parts.query}")


class S3Storage(StorageBackend):
    ready_at_creation = False

    @property
    def client(self):
        provider = self.provider
        return _client(
            provider.endpoint_url or settings.S3_ENDPOINT_URL,
            provider.access_key_id or settings.S3_ACCESS_KEY_ID,
            provider.secret_access_key or settings.S3_SECRET_ACCESS_KEY,
            provider.region or settings.S3_REGION,
        )

    def bucket(self, project_id):
        if self.provider.bucket_mode == self.provider.BucketMode.SINGLE:
            return self.provider.bucket_name
        return f"{self.provider.bucket_name}{project_id}"

    def key(self, upload):
        if self.provider.bucket_mode == self.provider.BucketMode.SINGLE:
            return f"{upload.project_id}/{upload.id}"
        return str(upload.id)

    def check(self):
        _reachable(self.client.list_buckets)
        return {}

    def project_initialize(self, project_id):
        bucket = self.bucket(project_id)
        try:
            _reachable(lambda: self.client.head_bucket(Bucket=bucket))
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise
            try:
                _reachable(lambda: self.client.create_bucket(Bucket=bucket))
            except ClientError as race:
                if _code(race) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def upload_initialize(self, upload):
        if upload.multipart_upload_id:
            return upload.multipart_upload_id
        created = _reachable(
            lambda: self.client.create_multipart_upload(Bucket=self.bucket(upload.project_id), Key=self.key(upload))
        )
        return created["UploadId"]

    def _presigned(self, operation, verb, params):
        return _descriptor(
            verb,
            self.client.generate_presigned_url(operation, Params=params, ExpiresIn=SIGNED_URL_SECONDS, HttpMethod=verb),
        )

    def _object(self, upload):
        return {"Bucket": self.bucket(upload.project_id), "Key": self.key(upload)}

    def chunk_url(self, upload, chunk, *, host):
        params = {**self._object(upload), "UploadId": upload.multipart_upload_id, "PartNumber": chunk.number}
        return self._presigned("upload_part", "PUT", params)

    def object_url(self, upload, *, host):
        return self._presigned("put_object", "PUT", self._object(upload))

    def download_url(self, upload, *, filename, host):
        disposition = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
        return self._presigned("get_object", "GET", {**self._object(upload), "ResponseContentDisposition": disposition})

    def _parts(self, upload):
        parts, marker = {}, 0
        while True:
            page = _reachable(
                lambda marker=marker: self.client.list_parts(
                    **self._object(upload), UploadId=upload.multipart_upload_id, PartNumberMarker=marker
                )
            )
            for part in page.get("Parts", []):
                parts[part["PartNumber"]] = part
            if not page.get("IsTruncated"):
                return parts
            marker = page["NextPartNumberMarker"]

    def _exists(self, upload):
        try:
            _reachable(lambda: self.client.head_object(**self._object(upload)))
            return True
        except ClientError as error:
            if _code(error) in _MISSING:
                return False
            raise

    def _assemble(self, upload, chunks):
        """Complete the multipart upload if the parts S3 holds are the registered chunks; an error message if not."""
        if not chunks and upload.size == 0:
            # S3 cannot complete a multipart upload of no parts: an empty file is an empty object.
            _reachable(lambda: self.client.put_object(**self._object(upload), Body=b""))
            return None
        try:
            parts = self._parts(upload)
        except ClientError as error:
            return str(error) if _code(error) not in _MISSING else SIZE_MISMATCH
        held = [parts.get(chunk.number) for chunk in chunks]
        if sum(part["Size"] for part in held if part) != upload.size or None in held:
            return SIZE_MISMATCH
        for chunk, part in zip(chunks, held, strict=True):
            if part["ETag"].strip('"') != chunk.hash_value.lower() or part["Size"] != chunk.size:
                return CHUNK_HASH_MISMATCH
        manifest = [
            {"PartNumber": chunk.number, "ETag": part["ETag"]} for chunk, part in zip(chunks, held, strict=True)
        ]
        try:
            _reachable(
                lambda: self.client.complete_multipart_upload(
                    **self._object(upload), UploadId=upload.multipart_upload_id, MultipartUpload={"Parts": manifest}
                )
            )
        except ClientError as error:
            return error.response.get("Error", {}).get("Message") or str(error)
        return None

    def upload_verify(self, upload, chunks):
        if not self._exists(upload):
            if not upload.is_chunked:
                return Verification(error=NOT_IN_STORE)
            error = self._assemble(upload, chunks)
            if error is not None:
                return Verification(error=error)
        hashes = Hashes()
        body = _reachable(lambda: self.client.get_object(**self._object(upload)))["Body"]
        try:
            for block in body.iter_chunks(READ_BLOCK):
                hashes.update(block)
        except BotoCoreError as error:
            raise StorageUnreachable(str(error)) from error
        return Verification(hashes.size, hashes.hexdigests())

    def _multipart_upload_ids(self, upload):
        """Every multipart upload S3 holds for the upload's key: the one recorded, and any a crash left unrecorded."""
        obj = self._object(upload)
        found, markers = set(), {}
        while True:
            page = _reachable(
                lambda markers=markers: self.client.list_multipart_uploads(
                    Bucket=obj["Bucket"], Prefix=obj["Key"], **markers
                )
            )
            found.update(item["UploadId"] for item in page.get("Uploads", []) if item["Key"] == obj["Key"])
            if not page.get("IsTruncated"):
                return found
            markers = {"KeyMarker": page["NextKeyMarker"], "UploadIdMarker": page["NextUploadIdMarker"]}

    def upload_purge(self, upload):
        """Abort the upload's multipart uploads (their parts are bytes too) and delete its object."""
        try:
            multipart_ids = self._multipart_upload_ids(upload)
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise
            return  # no bucket: nothing was ever stored
        for multipart_id in multipart_ids | ({upload.multipart_upload_id} - {""}):
            try:
                _reachable(
                    lambda multipart_id=multipart_id: self.client.abort_multipart_upload(
                        **self._object(upload), UploadId=multipart_id
                    )
                )
            except ClientError as error:
                if _code(error) not in _MISSING:
                    raise
        _reachable(lambda: self.client.delete_object(**self._object(upload)))
