"""Hashing a filesystem upload's chunks in number order while the client still sends the others, so that verifying
it after completion has only the chunks not hashed yet left to read.

A cache of this process, never a record: verification uses what was followed only if it runs in the same process
(the web process in inline mode, run_workers in dramatiq mode) and the chunks followed are still the upload's
registrations, in order from its first; otherwise it hashes every chunk itself. A lost hint costs time, never
correctness.
"""

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from ..hashes import Hashes
from .base import READ_BLOCK

# Uploads followed at once in one process; the least recently fed one is dropped first.
FOLLOWED_MAX = 64
FIRST_CHUNK = 1  # DukeDSClient numbers chunks from 1; an upload numbered otherwise is simply not followed

FOLLOW_ACTOR = "follow_upload_chunks"


@dataclass
class _Followed:
    lock: threading.Lock = field(default_factory=threading.Lock)
    hashes: Hashes = field(default_factory=Hashes)
    hashed: list = field(default_factory=list)  # (number, size, md5) of each chunk hashed, in order
    stored: dict = field(default_factory=dict)  # number -> (size, md5) of chunks stored and not hashed yet
    taken: bool = False  # by a verification, which goes on with `hashes`


_followed = OrderedDict()
_followed_lock = threading.Lock()


def _state(upload_id):
    with _followed_lock:
        state = _followed.pop(upload_id, None) or _Followed()
        _followed[upload_id] = state
        while len(_followed) > FOLLOWED_MAX:
            _followed.popitem(last=False)
        return state


def _forget(upload_id, state):
    with _followed_lock:
        if _followed.get(upload_id) is state:
            del _followed[upload_id]


def hash_chunk(hashes, path, size):
    """Add the bytes of the chunk file at `path` to `hashes` and make them durable; False if the file is not `size`
    bytes long (it was replaced or cut since)."""
    with path.open("rb") as source:
        if os.fstat(source.fileno()).st_size != size:
            return False
        while block := source.read(READ_BLOCK):
            hashes.update(block)
        os.fsync(source.fileno())
    return True


def chunk_follow(storage, upload, number, size, md5):
    """Hash every chunk stored in number order from the first, up to the first gap, now that chunk `number`
    (registered as `size` and `md5`) is stored."""
    state = _state(upload.id)
    with state.lock:
        if state.taken or number < FIRST_CHUNK:
            return
        registration = (size, md5.lower())
        if number < FIRST_CHUNK + len(state.hashed):
            if state.hashed[number - FIRST_CHUNK][1:] != registration:
                _forget(upload.id, state)  # stored again with other bytes: what was hashed is not the upload's
            return
        state.stored[number] = registration
        while (next_number := FIRST_CHUNK + len(state.hashed)) in state.stored:
            registration = state.stored.pop(next_number)
            try:
                hashed = hash_chunk(state.hashes, storage.chunk_path(upload, next_number), registration[0])
            except OSError:
                hashed = False
            if not hashed:
                _forget(upload.id, state)
                return
            state.hashed.append((next_number, *registration))


def followed_take(upload, chunks):
    """(hashes, count): the digests of the upload's first `count` chunks (of `chunks`, in number order) as followed
    here; (fresh Hashes, 0) when they are not the upload's chunks, none were followed, or a verification took them
    already. From then on nothing more of the upload is followed here (hints still queued change nothing)."""
    with _followed_lock:
        state = _followed.get(upload.id)
    if state is None:
        return Hashes(), 0
    with state.lock:
        if state.taken:
            return Hashes(), 0
        state.taken = True
        current = [(chunk.number, chunk.size, chunk.hash_value.lower()) for chunk in chunks[: len(state.hashed)]]
        if not state.hashed or current != state.hashed:
            return Hashes(), 0
        return state.hashes, len(state.hashed)
