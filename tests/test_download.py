"""ANERcorp download: unpacking, word-count check, errors (on a local archive, no network)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from arner import download


def make_zip(tmp_path: Path, train_words: int, test_words: int) -> str:
    archive = tmp_path / "release.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ANERcorp-CamelLabSplits/ANERCorp_CamelLab_train.txt", "كلمة O\n" * train_words)
        zf.writestr("ANERcorp-CamelLabSplits/ANERCorp_CamelLab_test.txt", "دمشق B-LOC\n\n" * test_words)
    return archive.as_uri()


@pytest.fixture
def small_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(download, "ANERCORP_WORDS", {"ANERCorp_CamelLab_train.txt": 5, "ANERCorp_CamelLab_test.txt": 3})


def test_fetch_unpacks_and_checks_counts(tmp_path: Path, small_release) -> None:
    dest = download.fetch_anercorp(tmp_path / "cache", make_zip(tmp_path, 5, 3))
    assert download.count_words(dest / "ANERCorp_CamelLab_test.txt") == 3
    assert download.fetch_anercorp(dest, "file:///nonexistent.zip") == dest  # cached: no second download


def test_wrong_word_count_is_rejected(tmp_path: Path, small_release) -> None:
    with pytest.raises(download.DownloadError, match="ANERCorp_CamelLab_train.txt has 4 words, the release has 5"):
        download.fetch_anercorp(tmp_path / "cache", make_zip(tmp_path, 4, 3))
    assert not (tmp_path / "cache").exists()


def test_unreachable_url_says_how_to_use_a_local_copy(tmp_path: Path) -> None:
    with pytest.raises(download.DownloadError, match="--corpus-dir"):
        download.fetch_anercorp(tmp_path / "cache", (tmp_path / "missing.zip").as_uri())


def test_default_cache_follows_env_and_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ARNER_CACHE", str(tmp_path / "c"))
    assert download.default_cache() == tmp_path / "c"
    monkeypatch.setenv("ARNER_CACHE", "~/arner-cache")
    assert download.default_cache() == Path.home() / "arner-cache"
    monkeypatch.delenv("ARNER_CACHE")
    assert download.default_cache() == Path.home() / ".cache" / "arner"
