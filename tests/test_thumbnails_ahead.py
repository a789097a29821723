"""Thumbnails made ahead in the background: which pages are made, once, and made again when
the cache has forgotten them."""

from __future__ import annotations

import threading

import pytest

import data_access.sources.thumbnails as thumbnails_module
from data_access.sources.source import open_source
from ui.render import _ahead, prefetch_ahead, prefetch_opening


def _drain() -> None:
    """Waits until the background's queue has run (one thread: a task queued last ends last)."""
    _ahead.submit(lambda: None).result(timeout=60)


def test_the_next_page_is_made_in_the_background(label_json, image_folder, tmp_path):
    root, _, missing = image_folder
    source = open_source("json", labels_json=label_json, images=root, index_root=tmp_path)
    names = [n for n in source.table.file_name.tolist()[:6] if n != missing]
    prefetch_ahead(source, names)
    _drain()
    assert sorted(p.stem for p in (source.index_dir / "thumbs").rglob("*.jpg")) == sorted(names)


def test_opening_a_source_makes_imagenet_m_and_the_first_pages_ahead(
    label_json, image_folder, tmp_path
):
    """When a source opens, ImageNet-M's images and the default Browse view's first two pages
    (file-name order) are made in the background, and nothing else."""
    root, _, missing = image_folder
    source = open_source("json", labels_json=label_json, images=root, index_root=tmp_path)
    table = source.table
    names = table.file_name.tolist()
    expected = {n for n, m in zip(names, table.in_imagenet_m.tolist(), strict=True) if m}
    expected |= set(sorted(names)[:96])
    expected.discard(missing)
    assert expected and len(expected) < len(names)
    prefetch_opening(source)
    _drain()
    assert {p.stem for p in (source.index_dir / "thumbs").rglob("*.jpg")} == expected


def test_all_cached_looks_for_each_file_without_reading_it(label_json, image_folder, tmp_path):
    root, _, missing = image_folder
    thumbs = open_source("json", labels_json=label_json, images=root, index_root=tmp_path).thumbs
    names = [n for n in thumbs.table.file_name.tolist()[:5] if n != missing][:4]
    assert thumbs.all_cached([]) and not thumbs.all_cached(names)
    for name in names[:3]:
        thumbs.one(name)
    assert thumbs.all_cached(names[:3]) and not thumbs.all_cached(names)
    thumbs.one(names[3])
    assert thumbs.all_cached(names)
    folder = thumbs.index_dir / "thumbs" / str(thumbnails_module.THUMBNAIL_SIZE)
    (folder / f"{names[1]}.jpg").unlink()  # a cache emptied by hand
    assert not thumbs.all_cached(names)
    (folder / "x.jpg").write_bytes(b"")
    assert not thumbs.all_cached(["x", "../thumbs/x"])  # not annotated images: never cached


def test_all_cached_in_memory_follows_what_the_cache_forgot(monkeypatch):
    monkeypatch.setattr(thumbnails_module, "MEMORY_THUMBNAILS", 3)
    thumbs = open_source("demo").thumbs
    names = thumbs.table.file_name.tolist()[:4]
    for name in names:
        thumbs.one(name)
    # The oldest of four went (a cache of three).
    assert thumbs.all_cached(names[1:]) and not thumbs.all_cached(names)
    assert not thumbs.all_cached(names[1:], max_side=32)  # another size is another picture


@pytest.fixture
def counted(monkeypatch):
    """A demo source with a memory cache of 60 thumbnails, and the pages its background was
    asked to make (in order)."""
    monkeypatch.setattr(thumbnails_module, "MEMORY_THUMBNAILS", 60)
    source = open_source("demo")
    made: list[list[str]] = []
    many = source.thumbs.many

    def counting(names, *args, **kwargs):
        made.append(list(names))
        return many(names, *args, **kwargs)

    monkeypatch.setattr(source.thumbs, "many", counting)
    return source, made


def test_a_page_is_made_once_while_held(counted):
    source, made = counted
    page = source.table.file_name.tolist()[:48]
    prefetch_ahead(source, page)
    _drain()
    prefetch_ahead(source, page)  # asked again, every thumbnail held: nothing to do
    _drain()
    assert made == [page] and source.thumbs.all_cached(page)
    # What is kept of the work is that it ended: not the page's pictures (~340 KB a page).
    from ui.render import _asked

    ended = [w for w in _asked.values() if w.done()]
    assert ended and all(w.result() is None for w in ended)


def test_a_page_being_made_is_not_asked_for_twice(counted):
    source, made = counted
    page = source.table.file_name.tolist()[:48]
    busy = threading.Event()
    _ahead.submit(busy.wait, 60)  # the background is busy: the page waits in the queue
    try:
        prefetch_ahead(source, page)
        prefetch_ahead(source, page)
    finally:
        busy.set()
    _drain()
    assert made == [page]


def test_a_page_the_cache_forgot_is_made_again(counted):
    """Paged on past the cache's size and back: the page is made again (it had been asked
    for once, but that is not the same as held)."""
    source, made = counted
    names = source.table.file_name.tolist()
    first, later = names[:48], names[48:96]
    prefetch_ahead(source, first)
    prefetch_ahead(source, later)  # 96 thumbnails through a cache of 60
    _drain()
    assert not source.thumbs.all_cached(first)
    prefetch_ahead(source, first)
    _drain()
    assert made == [first, later, first] and source.thumbs.all_cached(first)
