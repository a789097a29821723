"""End to end in Chromium: a Teach lesson driven from the keyboard, and its handout."""

import pytest

from data_access.sources.source import open_source
from data_access.teach.lessons import lesson_rows
from tests.hindi import english_words

DEMO_MODELS = ("demo-strong", "demo-medium", "demo-weak")

pytestmark = pytest.mark.browser


def _body(page) -> str:
    return page.evaluate("() => document.body.innerText")


def test_keyboard_reveal_and_next(app_server, page):
    page.goto(f"{app_server}/teach?lesson=several-right&i=2")
    page.get_by_text("2 of 12", exact=True).wait_for(timeout=60_000)
    page.get_by_text("What would you label this?").wait_for()
    assert "Original label" not in _body(page) and "correct:" not in _body(page)
    # The keys work once the slide's buttons (which carry the shortcuts) are on the page,
    # and while no field has the focus.
    page.get_by_role("button", name="Reveal").wait_for()
    page.get_by_role("button", name="Next").wait_for()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Space")
    page.get_by_text("Original label:").wait_for(timeout=30_000)
    assert "correct:" in _body(page) and "wrong:" in _body(page)
    page.get_by_role("button", name="Reveal").and_(page.locator(":disabled")).wait_for()
    page.keyboard.press("ArrowRight")
    page.get_by_text("3 of 12", exact=True).wait_for(timeout=30_000)
    assert "i=3" in page.url and "lesson=several-right" in page.url
    page.get_by_text("What would you label this?").wait_for()
    assert "Original label" not in _body(page)
    page.get_by_role("button", name="Previous").and_(page.locator(":enabled")).wait_for()
    page.keyboard.press("ArrowLeft")
    page.get_by_text("2 of 12", exact=True).wait_for(timeout=30_000)


def test_handout_opens_offline_with_every_image(app_server, page, browser, tmp_path):
    rows = lesson_rows(open_source("demo").table, "problematic", {})
    page.goto(f"{app_server}/teach?lesson=problematic")
    button = page.get_by_role("button", name="Download this lesson as a handout (HTML)")
    button.wait_for(timeout=60_000)
    with page.expect_download() as info:
        button.click()
    path = tmp_path / "handout.html"
    info.value.save_as(path)
    offline = browser.new_context(offline=True, java_script_enabled=False).new_page()
    offline.goto(path.as_uri())
    images = offline.locator("img")
    assert images.count() == len(rows) == 5
    loaded = images.evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded == [True] * len(rows)
    assert offline.locator("h1").inner_text() == "Problematic images"
    assert "<script" not in path.read_text().lower()
    assert info.value.suggested_filename == "lesson-problematic.html"
    # In Hindi: the page's language in the file, and a name of its own beside the English one.
    page.goto(f"{app_server}/teach?lesson=problematic&lang=hi")
    button = page.get_by_role("button", name="यह पाठ हैंडआउट के रूप में डाउनलोड करें (HTML)")
    button.wait_for(timeout=60_000)
    # The page itself says it is Hindi (a screen reader picks its voice from <html lang>).
    page.wait_for_function("document.documentElement.lang === 'hi'", timeout=30_000)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "lesson-problematic-hi.html"
    info.value.save_as(path)
    assert '<html lang="hi">' in path.read_text()


# Projectors are often 1024 x 768 (XGA) or 1280 x 720; a room's screen 1920 x 1080.
@pytest.mark.parametrize(
    "size", [(1024, 768), (1280, 720), (1920, 1080)], ids=["xga", "720p", "1080p"]
)
def test_present_mode_fits_one_screen_and_escape_leaves_it(app_server, page, size):
    """On a projector: the picture, the question and every control inside the screen, before
    and after Reveal, with no scrolling; Escape leaves present mode."""
    from tests.e2e.server import settle

    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_server}/teach?lesson=several-right&i=1&present=1&quiz=1")
    page.locator('[data-testid="stImage"] img').first.wait_for(timeout=60_000)
    settle(page)

    def inside(locator) -> bool:
        box = locator.first.bounding_box()
        return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height

    def fits() -> bool:
        scroll = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        return scroll <= height

    picture = page.locator('[data-testid="stImage"]')
    assert inside(picture) and inside(page.get_by_text("What would you label this?"))
    for name in ("Answer", "Previous", "Reveal", "Next", "Leave presentation mode"):
        assert inside(page.get_by_role("button", name=name)), name
    assert fits()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Space")
    page.get_by_text("Original label:").wait_for(timeout=30_000)
    settle(page)
    assert inside(picture) and inside(page.get_by_role("button", name="Next")) and fits()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.search.includes('present=1')", timeout=30_000)
    # Exact: until the rerun ends, "Leave presentation mode" may still be on the page too.
    page.get_by_role("button", name="Present", exact=True).wait_for(timeout=30_000)
    page.get_by_role("button", name="Leave presentation mode").wait_for(state="detached")


def test_hindi_is_drawn_with_a_devanagari_font_and_streamlits_own_words_too(app_server, page):
    """Without a Devanagari font a Hindi letter is drawn as the same box as a character no
    font has (a private-use one), so the two strings of four measure the same; with one
    (fonts-noto-core) they differ. The upload field's words, which Streamlit draws, are
    Hindi too, and English again after the switch back."""
    page.goto(f"{app_server}/teach?lesson=several-right&i=1&lang=hi")
    title = page.get_by_role("heading", name="पढ़ाएँ")
    title.wait_for(timeout=60_000)
    widths = title.evaluate(
        """(el) => {
            const c = document.createElement('canvas').getContext('2d');
            c.font = getComputedStyle(el).font;
            return ['कककक', '\ue000\ue000\ue000\ue000'].map(t => c.measureText(t).width);
        }"""
    )
    assert widths[0] > 0 and abs(widths[0] - widths[1]) > 1, widths
    # The words Streamlit draws itself in the upload field are the page's too (ui/language.js),
    # and the whole sidebar as a reader sees it has no English word but names and formats.
    sidebar = page.get_by_test_id("stSidebar")
    upload = sidebar.get_by_test_id("stFileUploaderDropzone").first
    upload.get_by_text("अपलोड करें").wait_for(timeout=30_000)
    assert (
        upload.get_by_test_id("stFileUploaderDropzoneInstructions")
        .inner_text()
        .startswith("हर फ़ाइल 400MB तक • CSV")
    )
    assert upload.get_by_test_id("stFileUploaderDropzoneInput").get_attribute("aria-label") == (
        "फ़ाइल अपलोड"
    )
    formats = ("CSV", "TSV", "TXT", "JSON", "JSONL", "NDJSON", "NPY", "NPZ", "PARQUET", "MB")
    # Its text without the icons (Material ligatures such as "upload", drawn as a glyph) and
    # without code (a command such as `labels revise`, which stays as typed).
    text = sidebar.evaluate(
        """(el) => { const c = el.cloneNode(true);
            c.querySelectorAll('[data-testid=stIconMaterial], code').forEach(i => i.remove());
            return c.innerText || c.textContent; }"""
    )
    left = english_words([text], keep=(*formats, *DEMO_MODELS, "Language"))
    assert left == {}, left
    # The accessible names, tooltips and placeholders Streamlit sets ("Collapse sidebar",
    # "Choose an option", "Link to heading"), as a screen reader reads them, are Hindi too.
    names = page.evaluate(
        """() => [...document.querySelectorAll('[aria-label],[title],[placeholder]')]
            .flatMap(e => ['aria-label', 'title', 'placeholder'].map(a => e.getAttribute(a)))
            .filter(Boolean)"""
    )
    assert "साइडबार छिपाएँ" in names and "एक विकल्प चुनें" in names
    keys = ("Alt", "Ctrl", "Enter", "Esc", "Space")  # key names, as on the keyboard
    assert english_words(names, keep=(*DEMO_MODELS, *keys)) == {}
    # A text field's hint while it is edited ("Press Enter to ..."), in Hindi.
    field = sidebar.get_by_label("पथ से पूर्वानुमान फ़ाइल जोड़ें")
    field.fill("x")
    hint = sidebar.get_by_test_id("InputInstructions").first
    hint.get_by_text("Enter दबाएँ").wait_for(timeout=30_000)
    assert english_words([hint.inner_text()], keep=("Enter",)) == {}
    field.fill("")
    # Back in English, Streamlit's own words come back.
    sidebar.locator('[data-testid="stSelectbox"]', has_text="Language").locator("input").click()
    page.keyboard.type("English")
    page.keyboard.press("Enter")
    upload.get_by_text("Upload", exact=True).wait_for(timeout=30_000)
    assert "per file" in upload.get_by_test_id("stFileUploaderDropzoneInstructions").inner_text()
