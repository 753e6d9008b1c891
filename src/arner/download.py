"""Fetch the official ANERcorp release (CAMeL Lab splits) and check its word counts.

Used when a network exists and no local copy is given; a local path always
works instead (``evaluate.py --corpus anercorp --corpus-dir PATH``).
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

ANERCORP_URL = os.environ.get(
    "ARNER_ANERCORP_URL", "https://camel.abudhabi.nyu.edu/anercorp/ANERcorp-CamelLabSplits.zip"
)
CACHE_ENV = "ARNER_CACHE"
# The release README: "The train split has 125,102 words and the test split has 25,008 words."
ANERCORP_WORDS = {"ANERCorp_CamelLab_train.txt": 125_102, "ANERCorp_CamelLab_test.txt": 25_008}


class DownloadError(RuntimeError):
    """The download failed or its content is not the expected release."""


def default_cache() -> Path:
    """arner's cache folder (downloads, the converted offline encoder): ``$ARNER_CACHE``
    if set, ``~`` expanded, else ``~/.cache/arner``."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "arner"


def count_words(path: Path) -> int:
    """Non-blank ``token TAG`` lines of a CoNLL file."""
    with path.open(encoding="utf-8-sig") as handle:
        return sum(1 for line in handle if line.strip())


def fetch_anercorp(dest: Path | None = None, url: str | None = None, *, timeout: float = 60) -> Path:
    """Download and unpack the release into ``dest`` (once), verify word counts, return the folder."""
    dest = Path(dest) if dest else default_cache() / "anercorp"
    url = url or ANERCORP_URL
    if all((dest / name).exists() for name in ANERCORP_WORDS):
        return dest
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            payload = response.read()
    except OSError as err:
        raise DownloadError(
            f"could not download ANERcorp from {url} ({err}); give a local copy with --corpus-dir"
        ) from err
    with tempfile.TemporaryDirectory() as tmp:
        try:
            zipfile.ZipFile(io.BytesIO(payload)).extractall(tmp)
        except zipfile.BadZipFile as err:
            raise DownloadError(f"{url}: not a zip archive ({err})") from err
        found = {p.name: p for p in Path(tmp).rglob("*.txt")}
        for name, expected in ANERCORP_WORDS.items():
            if name not in found:
                raise DownloadError(f"{url}: the archive has no {name}")
            words = count_words(found[name])
            if words != expected:
                raise DownloadError(f"{url}: {name} has {words} words, the release has {expected}")
        dest.mkdir(parents=True, exist_ok=True)
        for name in ANERCORP_WORDS:
            shutil.copyfile(found[name], dest / name)
    return dest
