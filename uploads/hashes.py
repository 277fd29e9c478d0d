"""The hash rules of uploads: the algorithms a client may report, their digests' lengths, how one pass computes
them, and the verdict of comparing what storage holds with what the client reported
(docs/api/errors.md#integrity-reasons)."""

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

HASH_ALGORITHMS = ("md5", "sha1", "sha256")
HEX_LENGTHS = {"md5": 32, "sha1": 40, "sha256": 64}
# The OpenAPI pattern of a hash value: a hex digest of one of the lengths above.
HEX_DIGEST_PATTERN = "^(" + "|".join(f"[0-9a-fA-F]{{{length}}}" for length in HEX_LENGTHS.values()) + ")$"

# Clients compare these strings (docs/api/errors.md#integrity-reasons); keep them byte for byte.
SIZE_MISMATCH = "reported size does not match size computed by StorageProvider"
HASH_MISMATCH = "reported hash value does not match size computed by StorageProvider"
CHUNK_HASH_MISMATCH = "reported chunk hash does not match that computed by StorageProvider"
NOT_IN_STORE = "NonChunkedUpload not found in object store"

# hashlib and file writes release the GIL on large blocks: work on a block runs here beside the caller's own.
BLOCK_THREADS = ThreadPoolExecutor(max_workers=3, thread_name_prefix="block")


def is_hex_digest(algorithm, value):
    """Whether `value` is a hex digest as long as `algorithm`'s (either case)."""
    return re.fullmatch(rf"[0-9a-fA-F]{{{HEX_LENGTHS[algorithm]}}}", value) is not None


@dataclass
class Verification:
    """What storage holds for an upload; `error` is the integrity reason when what it holds cannot be the upload (chunks
    missing or unlike their registration, no object); the whole-file checks are `whole_file_error`'s."""

    size: int | None = None
    hashes: dict = field(default_factory=dict)
    error: str | None = None


class Hashes:
    """Digests of a byte stream and its size, in one pass: by default all three a client may report later (through
    PUT /uploads/{id}/hashes), so that each is checked against the stored bytes. A block's digests are computed side by
    side, so the pass costs about what its slowest digest (md5) costs alone."""

    def __init__(self, algorithms=HASH_ALGORITHMS):
        self.size = 0
        self._hashes = {algorithm: hashlib.new(algorithm) for algorithm in algorithms}

    def update(self, block):
        self.size += len(block)
        first, *others = self._hashes.values()
        pending = [BLOCK_THREADS.submit(digest.update, block) for digest in others]
        first.update(block)
        for future in pending:
            future.result()

    def hexdigests(self):
        return {algorithm: digest.hexdigest() for algorithm, digest in self._hashes.items()}

    def verification(self):
        """What storage holds, as hashed: the bytes' size and digests."""
        return Verification(self.size, self.hexdigests())


def whole_file_error(upload, fingerprints, size, hashes):
    """Size first, then every reported whole-file hash."""
    if size != upload.size:
        return SIZE_MISMATCH
    for fingerprint in fingerprints:
        if hashes.get(fingerprint.algorithm) != fingerprint.value.lower():
            return HASH_MISMATCH
    return None
