"""Refusals and build steps worded in ``data_access`` read in Hindi: each message is
translated by the template it fits (``data_access.i18n``), with its values put back where the
Hindi sentence wants them, and a value copied from a file never translated."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

from data_access import i18n
from data_access.errors import DataError, quoted
from tests.hindi import english_words

ROOT = Path(__file__).resolve().parents[1]
DEVANAGARI = re.compile("[\u0900-\u097f]")
# Words a Hindi refusal keeps on purpose: formats, flags, keys and commands it names.
TECHNICAL = (
    "CSV",
    "TSV",
    "JSON",
    "Lines",
    "Parquet",
    "npy",
    "npz",
    "NumPy",
    "file_name",
    "file_names",
    "wnid",
    "wnids",
    "txt",
    "validation",
    "ImageFolder",
    "MiB",
    "GiB",
    "MB",
    "UTF",
    "top",
    "prediction",
    "drop",
    "background",
    "names",
    "k",
    "N",
)


def _compile_catalogs():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import compile_catalogs
    finally:
        sys.path.pop(0)
    return compile_catalogs


def test_every_template_keeps_its_values_in_the_hindi_sentence():
    catalog = i18n.translations("hi")._catalog  # type: ignore[attr-defined]
    templates = {k: v for k, v in catalog.items() if isinstance(k, str) and "{0}" in k}
    assert len(templates) > 150
    for msgid, msgstr in templates.items():
        wanted = sorted(set(re.findall(r"\{(\d+)\}", msgid)))
        assert sorted(set(re.findall(r"\{(\d+)\}", msgstr))) == wanted, msgid
        assert DEVANAGARI.search(msgstr) or msgid.startswith("HTTP"), msgid
        msgstr.format(*["x"] * len(wanted))  # well-formed: braces doubled where literal


def test_a_message_fits_its_template_and_gets_its_values_back_in_order():
    _ = i18n.gettext_for("hi")
    assert _("3 rows but 4 file names; they must match one to one") == (
        "3 पंक्तियाँ पर 4 फ़ाइल नाम; इन्हें एक-एक करके मेल खाना चाहिए"
    )
    # The Hindi sentence puts the values the other way round.
    assert _("download ended early: 10 of 20 bytes") == "डाउनलोड बीच में रुक गया: 20 में से 10 बाइट"
    # A value that is itself a message is translated too (a build's step).
    assert _("step 1 of 2: reading scores from a.npz") == "चरण 1/2: a.npz से स्कोर पढ़े जा रहे हैं"
    # "row {0}" has less fixed text than "{0} rows but ...": the longer template wins.
    assert _("row 7") == "पंक्ति 7"
    # Literal braces in a template are not values.
    assert _(
        "not a Hugging Face imagenet-1k Parquet shard (expected a column image = {bytes, path}): x"
    ).endswith("(स्तंभ image = {bytes, path} अपेक्षित था): x")
    # A value may be empty (here the end of the message).
    assert _("expected at least 2 columns (file_name, prediction) separated by ',', found 1") == (
        "',' से अलग किए गए कम से कम 2 स्तंभ (file_name, पूर्वानुमान) अपेक्षित थे, 1 मिला"
    )
    assert _("a message no template fits") == "a message no template fits"
    english = i18n.gettext_for("en")
    assert english("row 7") == "row 7" and english("Browse") == "Browse"


def test_a_value_copied_from_a_file_is_never_translated_and_hidden_in_hindi():
    _ = i18n.gettext_for("hi")
    # The file's own cell says "row 5": it is a value, not the message "row {0}".
    e = DataError("preds.csv", f"{quoted('row 5')} is not a class index", where="row 9")
    assert e.message(_=_) == "preds.csv: पंक्ति 9: 'row 5' वर्ग क्रमांक नहीं है"
    assert e.redacted(_) == "preds.csv: पंक्ति 9: (फ़ाइल का एक मान) वर्ग क्रमांक नहीं है"
    assert e.message() == "preds.csv: row 9: 'row 5' is not a class index"  # English as it was


def _refusal(call) -> DataError:
    with pytest.raises(DataError) as info:
        call()
    return info.value


def test_refusals_from_the_real_readers_read_in_hindi(table, tmp_path):
    """Bad files of several kinds, refused by the real readers: each message, in Hindi, has
    no English word but the formats, flags and keys it names (tests/hindi.py's oracle)."""
    from data_access.predictions import load_predictions
    from data_access.sources.labels_json import parse_label_json
    from data_access.uploads import SessionUploads, admit

    names = table.file_name.tolist()
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "file_name,prediction\n" + "".join(f"{n},{i % 7}\n" for i, n in enumerate(names))
    )
    shifted = tmp_path / "binary.bin"
    shifted.write_bytes(bytes(range(256)) * 4)
    arr = tmp_path / "few.npz"
    import numpy as np

    np.savez(arr, logits=np.zeros((3, 1000), np.float32), file_names=np.array(names[:2]))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"initial_annots": {}}))
    refusals = [
        _refusal(lambda: load_predictions(shifted, table)),
        _refusal(lambda: load_predictions(arr, table)),
        _refusal(lambda: load_predictions(tmp_path / "missing.csv", table)),
        _refusal(lambda: parse_label_json(labels)),
        _refusal(lambda: admit(SessionUploads("s"), "big.npy", 900 << 20, 500, 2000)),
    ]
    _ = i18n.gettext_for("hi")
    for e in refusals:
        english, hindi = e.message(), e.message(_=_)
        assert hindi != english and DEVANAGARI.search(hindi), english
        left = english_words([hindi], keep=(*TECHNICAL, "big"))  # big.npy: a file name
        assert not left, (english, hindi, left)


def test_the_catalog_check_finds_every_kind_of_message_in_the_code():
    """The check reads messages however the code words them: an f-string's values become
    {0}, {1}; a + chain is one template and its conditional parts their own; a lambda's
    body; a variable called problem. A new message of any kind is then missed by no one."""
    cc = _compile_catalogs()
    code = """
raise PredictionFileError(path, f"{n:,} rows but {m} names", where=lambda i: f"row {i}")
raise LabelFileError(path, "none here (" + (f"; first: {x}" if x else "") + ")")
problem = "not a file" if p else f"cannot read {p}"
progress(0, 1, f"reading {name} now")
raise ValueError("a bug, not a message")
"""
    found = {t for e in cc._message_exprs(ast.parse(code)) for t in cc._texts(e)}
    assert found == {
        "{0} rows but {1} names",
        "row {0}",
        "none here ({0})",
        "; first: {0}",
        "not a file",
        "cannot read {0}",
        "reading {0} now",
    }
    templates = cc.message_templates()
    assert len(templates) > 200
    assert "step {0} of {1}: {2}" in templates and "reading scores from {0}" in templates
