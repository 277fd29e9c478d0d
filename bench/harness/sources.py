"""The bytes a benchmark uploads: a file of random bytes with its chunks' md5s computed once."""

import hashlib
import os
from pathlib import Path

from harness import BLOCK


class SourceFile:
    """A file of random bytes in a scratch folder, with the md5 of each chunk and of the whole computed once."""

    def __init__(self, path, size, chunk_size):
        self.path, self.size, self.chunk_size = Path(path), size, chunk_size
        whole = hashlib.md5()
        self.chunk_md5 = []
        with self.path.open("wb") as output:
            for offset in range(0, size, chunk_size):
                chunk = hashlib.md5()
                for block_offset in range(offset, min(offset + chunk_size, size), BLOCK):
                    block = os.urandom(min(BLOCK, size - block_offset, offset + chunk_size - block_offset))
                    output.write(block)
                    chunk.update(block)
                    whole.update(block)
                self.chunk_md5.append(chunk.hexdigest())
            output.flush()
            os.fsync(output.fileno())  # no writeback of it left to weigh on what is measured next
        self.md5 = whole.hexdigest()

    def chunks(self):
        """(number, offset, length, md5) of every chunk."""
        return [
            (index + 1, offset, min(self.chunk_size, self.size - offset), self.chunk_md5[index])
            for index, offset in enumerate(range(0, self.size, self.chunk_size))
        ]

    def read(self, offset, length):
        with self.path.open("rb") as source:
            return os.pread(source.fileno(), length, offset)
