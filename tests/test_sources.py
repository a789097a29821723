"""The json and demo sources: labels-only, image folder, validation tar, and bad images."""

import io
import tarfile

import pytest
from PIL import Image

from data_access.errors import DataError, ImageNotAvailable, ImageSourceError, LabelFileError
from data_access.sources.source import open_source


def _same_table(a, b):
    assert a.file_name.tolist() == b.file_name.tolist()
    assert a.original_label.tolist() == b.original_label.tolist()
    for key in ("correct_multi_labels", "unclear_multi_labels", "wrong_multi_labels"):
        assert getattr(a, key).to_lists() == getattr(b, key).to_lists()
    assert a.is_problematic.tolist() == b.is_problematic.tolist()
    assert a.in_imagenet_m.tolist() == b.in_imagenet_m.tolist()


def test_labels_only(label_json, table):
    s = open_source("json", labels_json=label_json)
    _same_table(s.table, table)
    assert not s.has_images and s.info()["images_missing"] == 0
    with pytest.raises(ImageNotAvailable, match="labels only"):
        s.image_bytes(table.file_name[0])


def test_tar_read_in_place(label_json, val_tar, table):
    tar, images = val_tar
    s = open_source("json", labels_json=label_json, images=tar)
    _same_table(s.table, table)
    info = s.info()
    assert info["images_kind"] == "tar" and info["images_found"] == len(table)
    for name in table.file_name.tolist():
        assert s.image_bytes(name) == images[name]
    thumb = Image.open(io.BytesIO(s.thumbs.one(table.file_name[0], 32)))
    assert thumb.format == "JPEG" and max(thumb.size) == 32
    # The thumbnail is cached on disk next to the index, and read back from there.
    cached = s.index_dir / "thumbs" / "32" / f"{table.file_name[0]}.jpg"
    assert cached.is_file()
    marker = b"\xff\xd8\xff cached \xff\xd9"  # a JPEG's first and last bytes
    cached.write_bytes(marker)
    assert s.thumbs.one(table.file_name[0], 32) == marker
    # An empty or cut cache file (a full disk, a killed writer) is made again, not served.
    for broken in (b"", marker[:-2]):
        cached.write_bytes(broken)
        assert Image.open(io.BytesIO(s.thumbs.one(table.file_name[0], 32))).format == "JPEG"
        assert cached.read_bytes() != broken
    with pytest.raises(ImageNotAvailable):
        s.thumbs.one("../../etc/passwd", 32)


def test_folder_flat_and_per_wnid(label_json, image_folder, table):
    root, images, missing = image_folder
    s = open_source("json", labels_json=label_json, images=root)
    info = s.info()
    assert info["images_kind"] == "folder"
    assert info["images_found"] == len(table) - 1
    assert info["images_missing"] == 1 and info["missing_examples"] == [missing]
    for name in table.file_name.tolist():
        if name != missing:
            assert s.image_bytes(name) == images[name]
    with pytest.raises(ImageNotAvailable):
        s.image_bytes(missing)
    with pytest.raises(ImageNotAvailable):
        s.image_bytes("ILSVRC2012_val_00049999.JPEG")  # not annotated


def test_truncated_tar(label_json, val_tar, tmp_path):
    data = val_tar[0].read_bytes()
    # Cut inside the data of an annotated member (they are early in the tar: low file names).
    cut = tmp_path / "cut.tar"
    with tarfile.open(val_tar[0]) as t:
        member = next(m for m in t if m.size > 0)
    cut.write_bytes(data[: member.offset_data + member.size // 2])
    with pytest.raises(ImageSourceError, match="truncated") as err:
        open_source("json", labels_json=label_json, images=cut)
    assert str(cut) in str(err.value)


def test_bad_image_paths(label_json, tmp_path):
    with pytest.raises(ImageSourceError, match="not found"):
        open_source("json", labels_json=label_json, images=tmp_path / "nope")
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ImageSourceError, match="not a tar archive"):
        open_source("json", labels_json=label_json, images=junk)
    empty = tmp_path / "empty_folder"
    empty.mkdir()
    with pytest.raises(ImageSourceError, match="none of the 33 annotated"):
        open_source("json", labels_json=label_json, images=empty)
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as t:
        info = tarfile.TarInfo("holiday.jpg")
        t.addfile(info, io.BytesIO(b""))
    with pytest.raises(ImageSourceError, match="none of the 33 annotated"):
        open_source("json", labels_json=label_json, images=other)


def test_corrupt_image_bytes_give_a_clear_error(label_json, tmp_path, table):
    root = tmp_path / "imgs"
    root.mkdir()
    name = table.file_name[0]
    (root / name).write_bytes(b"not a jpeg")
    s = open_source("json", labels_json=label_json, images=root)
    with pytest.raises(ImageSourceError, match="cannot decode"):
        s.thumbs.one(name, 32)


def test_no_labels_and_unknown_source(tmp_path):
    with pytest.raises(LabelFileError, match="download-labels"):
        open_source("json")
    with pytest.raises(DataError, match="unknown source 'csv'"):
        open_source("csv")


def test_downloaded_labels_are_the_default(label_json, table, tmp_path, monkeypatch):
    from data_access.sources.source import default_labels_json

    monkeypatch.setenv("IMLR_DATA_DIR", str(tmp_path / "data"))
    default_labels_json().parent.mkdir(parents=True)
    default_labels_json().write_bytes(label_json.read_bytes())
    assert open_source("json").table.file_name.tolist() == table.file_name.tolist()


def test_demo_source():
    s = open_source("demo")
    assert s.synthetic and s.kind == "demo" and "Synthetic" in s.description
    name = s.table.file_name[0]
    assert Image.open(io.BytesIO(s.image_bytes(name))).size == (500, 375)
    assert Image.open(io.BytesIO(s.thumbs.one(name, 160))).size == (160, 120)


def test_pictures_that_are_not_photos_are_refused(tmp_path):
    """HTML, SVG, empty, truncated and bomb-sized pictures: one clear error each, before any
    of them reaches the browser or decodes to gigabytes."""
    from data_access.sources.images import check_image, make_thumbnail

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, format="JPEG")
    good = buf.getvalue()
    assert check_image(good, "x.JPEG") == good
    buf = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buf, format="PNG")  # 64 megapixels in a few KB
    bomb = buf.getvalue()
    assert len(bomb) < 100_000
    cases = {
        b"": "the image is empty",
        b"<html><script>alert(1)</script></html>": "not a readable picture",
        b'<svg xmlns="http://www.w3.org/2000/svg"/>': "not a readable picture",
        good[: len(good) // 2]: "not a readable picture",
        bomb: "8000 x 8000 pixels: larger than any ImageNet photo",
    }
    for data, message in cases.items():
        with pytest.raises(ImageSourceError, match=message):
            check_image(data, "x.JPEG")
    with pytest.raises(ImageSourceError, match="larger than any ImageNet photo"):
        make_thumbnail(bomb, 32, source="x.JPEG")


def test_links_out_of_the_images_folder_are_never_read(label_json, val_tar, table, tmp_path):
    """A link to a file outside the folder counts as missing and is not served, even when it
    is swapped in after the index was built; a link that stays inside is an image."""
    _, images = val_tar
    names = table.file_name.tolist()
    root = tmp_path / "images"
    (root / "sub").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"root:x:0:0:secret")
    (root / names[0]).write_bytes(images[names[0]])
    (root / names[1]).symlink_to(secret)  # out of the folder: refused
    (root / "sub" / names[2]).symlink_to(root / names[0])  # stays inside: fine
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / names[3]).write_bytes(images[names[3]])
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)  # not followed
    (root / names[4]).write_bytes(images[names[4]])
    s = open_source("json", labels_json=label_json, images=root, index_root=tmp_path / "idx")
    assert s.has_image(names[0]) and s.has_image(names[2]) and s.has_image(names[4])
    assert not s.has_image(names[1]) and not s.has_image(names[3])
    assert s.image_bytes(names[2]) == images[names[0]]
    with pytest.raises(ImageNotAvailable):
        s.image_bytes(names[1])
    # Swapped for a link after the scan: refused at read time, the message has no content.
    (root / names[4]).unlink()
    (root / names[4]).symlink_to(secret)
    with pytest.raises(ImageNotAvailable, match="links outside the folder") as e:
        s.image_bytes(names[4])
    assert "secret" not in str(e.value)


def test_fingerprints_stat_the_label_json_and_hash_the_build_metadata(label_json, tmp_path):
    """The stat fields say when a file changed; the content hash says it too when every stat
    field was put back."""
    import hashlib

    from data_access.sources.source import source_state
    from data_access.sources.tfds import dataset_dir, fingerprint

    # The label JSON: stat fields only (hashing its 191 MiB would cost every warm open
    # ~0.2 s); the change time and inode already change with any edit or replacement.
    _, fp = source_state("json", labels_json=label_json, index_root=tmp_path)
    st = label_json.stat()
    assert fp["labels"] == [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
    ddir = dataset_dir(tmp_path / "dd")
    ddir.mkdir(parents=True)
    (ddir / "dataset_info.json").write_text('{"a": 1}')
    (ddir / "shard-00000-of-00001").write_bytes(b"x" * 10)
    rows = {r[0]: r for r in fingerprint(tmp_path / "dd")}
    assert (
        rows["dataset_info.json"][-1]
        == hashlib.sha1(b'{"a": 1}', usedforsecurity=False).hexdigest()
    )
    assert len(rows["shard-00000-of-00001"]) == 4  # shards: stat only (they are large)


def _hf_shards(folder, names, images, wnids, groups=4):
    """Hugging Face ``imagenet-1k`` validation shards, in the Hub's schema: ``image`` =
    struct{bytes, path} (``ILSVRC2012_val_00000001_n01751748.JPEG``), ``label`` int64."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    half = (len(names) + 1) // 2
    parts = [names[:half], names[half:]]
    for k, part in enumerate(parts):
        rows = [{"bytes": images[n], "path": n.replace(".JPEG", f"_{wnids[n]}.JPEG")} for n in part]
        table = pa.table(
            {
                "image": pa.array(rows, type=image_type),
                "label": pa.array([7] * len(part), type=pa.int64()),
            }
        )
        pq.write_table(
            table, folder / f"validation-{k:05d}-of-{len(parts):05d}.parquet", row_group_size=groups
        )
    return folder


def test_hugging_face_parquet_shards_are_read_in_place(label_json, val_tar, table, tmp_path):
    from data_access.classes import load_classes

    _, images = val_tar
    names = table.file_name.tolist()
    wnids = {n: load_classes().wnids[int(table.original_label[i])] for i, n in enumerate(names)}
    shards = _hf_shards(tmp_path / "data", names[:-1], images, wnids)  # the last one missing
    for spec in (shards, str(shards / "validation-*.parquet")):
        s = open_source("json", labels_json=label_json, images=spec, index_root=tmp_path / "i")
        info = s.info()
        assert info["images_kind"] == "parquet" and info["images_shards"] == 2
        assert info["images_found"] == len(names) - 1 and info["missing_examples"] == [names[-1]]
        for n in names[:-1]:
            assert s.image_bytes(n) == images[n]  # byte for byte, across row groups and shards
        assert s.thumbs.one(names[0], 32)[:2] == b"\xff\xd8"
        with pytest.raises(ImageNotAvailable):
            s.image_bytes(names[-1])
    # A second open loads the index; a changed shard is noticed.
    again = open_source("json", labels_json=label_json, images=shards, index_root=tmp_path / "i")
    assert not again.info()["index_built"]
    first = shards / "validation-00000-of-00002.parquet"
    first.write_bytes(first.read_bytes())
    again = open_source("json", labels_json=label_json, images=shards, index_root=tmp_path / "i")
    assert again.info()["index_built"]


def test_bad_parquet_shards_are_one_line(label_json, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "validation-00000-of-00001.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ImageSourceError, match="not a Hugging Face imagenet-1k Parquet shard"):
        open_source("json", labels_json=label_json, images=folder, index_root=tmp_path / "i")
    pq.write_table(pa.table({"label": [1, 2]}), folder / "validation-00000-of-00001.parquet")
    with pytest.raises(ImageSourceError, match="expected a column image"):
        open_source("json", labels_json=label_json, images=folder, index_root=tmp_path / "i")
    with pytest.raises(ImageSourceError, match="not found"):
        open_source("json", labels_json=label_json, images=str(tmp_path / "nothing-*.parquet"))


def test_thumbnails_in_order_cached_made_and_failed(label_json, tmp_path, table):
    """A page's thumbnails: in the order asked, a broken picture's error in its place, made
    ones cached (read again without the image), the demo's generated."""
    import io

    from PIL import Image

    root = tmp_path / "imgs"
    root.mkdir()
    names = table.file_name.tolist()[:6]
    for k, n in enumerate(names):
        buf = io.BytesIO()
        Image.new("RGB", (400, 300), (40 * k, 10, 10)).save(buf, format="JPEG")
        (root / n).write_bytes(buf.getvalue())
    (root / names[3]).write_bytes(b"not a jpeg")
    s = open_source("json", labels_json=label_json, images=root)
    first = s.thumbs.many([*names, "ILSVRC2012_val_99999999.JPEG"])
    assert isinstance(first[3], ImageSourceError) and isinstance(first[6], DataError)
    ok = [k for k in range(6) if k != 3]
    for k in ok:
        assert Image.open(io.BytesIO(first[k])).size == (192, 144)
    colours = [Image.open(io.BytesIO(first[k])).getpixel((96, 72))[0] for k in ok]
    assert colours == sorted(colours)  # each in its own place
    for k in ok:
        (root / names[k]).unlink()  # from now on only the cache has them
    again = s.thumbs.many(list(reversed(names)))
    assert again[::-1][:3] + again[::-1][4:] == [first[k] for k in ok]
    assert s.thumbs.make(names) == 1
    demo = open_source("demo")
    pics = demo.thumbs.many(demo.table.file_name.tolist()[:3])
    assert all(p[:3] == b"\xff\xd8\xff" for p in pics)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((500, 375), (192, 144)),
        ((375, 500), (144, 192)),
        ((2000, 200), (192, 19)),
        ((100, 80), (100, 80)),
    ],
)
def test_thumbnail_sizes(size, expected):
    """The longer side becomes 192 whatever the shape (draft decoding picks its scale from
    the thumbnail's own size), and a small picture is never enlarged."""
    import io

    from PIL import Image

    from data_access.sources.images import make_thumbnail

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="JPEG", quality=95)
    thumb = Image.open(io.BytesIO(make_thumbnail(buf.getvalue())))
    assert thumb.size == expected
    assert abs(thumb.getpixel((expected[0] // 2, expected[1] // 2))[0] - 200) < 12
