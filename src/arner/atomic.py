"""Files a later step trusts, written whole or not at all.

A file is written beside its target, flushed to disk and renamed over it, so a
reader (a resume, a merge, an evaluation) never sees half of one; on any error the
temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def replaced_when_done(path: str | Path, mode: str = "w") -> Iterator[IO]:
    """A handle on a temporary file beside ``path`` (``mode`` ``"w"`` or ``"wb"``),
    renamed over ``path`` when the block ends without an error.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with replaced_when_done(target) as handle:
    ...     _ = handle.write("قتل 3")
    >>> target.read_text(encoding="utf-8"), [p.name for p in target.parent.iterdir()]
    ('قتل 3', ['out.txt'])
    """
    path = Path(path)
    text = {} if "b" in mode else {"encoding": "utf-8", "newline": "\n"}
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
        mode, dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False, **text)
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`replaced_when_done`."""
    with replaced_when_done(path) as handle:
        handle.write(text)


def fsync_file(path: str | Path) -> None:
    """Flush a file already written and closed to disk (before a rename trusts it)."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: str | Path) -> None:
    """Flush a folder's entries (new names, renames) to disk, where the filesystem can."""
    if not Path(path).is_dir():
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError:  # some filesystems cannot fsync a directory
        pass
    finally:
        os.close(descriptor)
