"""Deterministic tar files: the same members give the same bytes on any machine.

Python's tarfile would write the mtime, owner and the writer's umask into each header; here
every header is fixed (mtime 0, uid/gid 0, no user names, mode 0644, POSIX ustar), members
are written in the order given, and the file ends with the two zero blocks of the format
(no padding to tarfile's 10 KiB records, which `tar` does not need). The writer returns
where each member's data lies, so a reader can pread one member without parsing the tar.
"""

from __future__ import annotations

import hashlib
import tarfile
from typing import BinaryIO

BLOCK = 512


def header(name: str, size: int) -> bytes:
    """The 512-byte ustar header of a regular file `name` of `size` bytes, fixed fields."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = size, 0, 0o644, 0, 0, "", ""
    return info.tobuf(format=tarfile.USTAR_FORMAT, encoding="utf-8", errors="strict")


class TarWriter:
    """Append members to an open binary file, hashing every byte written (sha256)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.offset = 0
        self.sha = hashlib.sha256()

    def _write(self, data: bytes) -> None:
        self.handle.write(data)
        self.sha.update(data)
        self.offset += len(data)

    def add(self, name: str, data: bytes) -> int:
        """Write one member; return the offset of its data in the file."""
        self._write(header(name, len(data)))
        start = self.offset
        self._write(data)
        self._write(b"\0" * (-len(data) % BLOCK))
        return start

    def close(self) -> str:
        """Write the end-of-archive blocks; return the file's sha256 (hex)."""
        self._write(b"\0" * (2 * BLOCK))
        return self.sha.hexdigest()
