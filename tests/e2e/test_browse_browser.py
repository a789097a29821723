"""End to end in Chromium: Browse filters, the image page, and uploading predictions."""

import re

import pytest

from data_access.analysis import metrics
from data_access.browse.view import BrowseState, view_rows
from tests.e2e.server import prediction_uploader, settle, to_hindi

pytestmark = pytest.mark.browser


def _count(page) -> int:
    text = page.get_by_text(re.compile(r"of 20,000 images")).first.inner_text()
    return int(text.split(" of ")[0].replace(",", ""))


def test_browse_filter_and_image(app_server, page, demo):
    table, models = demo
    page.goto(f"{app_server}/browse")
    page.get_by_text(re.compile(r"of 20,000 images")).first.wait_for()
    assert _count(page) == 20_000
    # Apply a label-state filter through the widget.
    page.locator('[data-testid="stMultiSelect"]', has_text="Label state").locator("input").click()
    page.get_by_role("option", name="more than one accepted label").click()
    page.keyboard.press("Escape")
    expected = len(view_rows(table, models, BrowseState(states=("multi",))))
    page.wait_for_function(
        f"() => document.body.innerText.includes('{expected:,} of 20,000 images')"
    )
    assert "state=multi" in page.url
    # Open the first image of the view.
    first = str(table.file_name[view_rows(table, models, BrowseState(states=("multi",)))[0]])
    # The filtered grid is on screen (not the stale one) once its first tile names the image.
    page.get_by_text(first, exact=True).first.wait_for()
    page.get_by_role("link", name="Details").first.click()
    page.get_by_role("heading", name=first).wait_for()
    assert f"image={first}" in page.url
    page.get_by_text("Expert labels").wait_for()
    page.get_by_role("button", name="Next →").click()
    second = str(table.file_name[view_rows(table, models, BrowseState(states=("multi",)))[1]])
    page.get_by_role("heading", name=second).wait_for()


def test_pasted_link_reproduces_the_view(app_server, page, demo):
    table, models = demo
    state = BrowseState(group="n02084071", verdict="wrong", model="demo-weak")
    page.goto(f"{app_server}/browse?group=n02084071&verdict=wrong&model=demo-weak")
    expected = len(view_rows(table, models, state))
    page.wait_for_function(
        f"() => document.body.innerText.includes('{expected:,} of 20,000 images')"
    )


def test_upload_predictions_and_see_its_number(app_server, page, demo, tmp_path):
    table, models = demo
    top1 = models["demo-medium"].top1
    f = tmp_path / "uploaded <b>model<b>.csv"
    f.write_text(
        "file_name,prediction\n"
        + "\n".join(f"{n},{int(k)}" for n, k in zip(table.file_name, top1, strict=True))
    )
    page.goto(app_server)
    page.get_by_text("Mean accepted labels").wait_for()
    prediction_uploader(page).set_input_files(str(f))
    # How the file is read comes first; the model is added on "Add model".
    page.get_by_text("20,000 of 20,000 annotated images").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Add model").click()
    page.get_by_text("4 models").wait_for(timeout=60_000)
    value = 100 * metrics.multilabel_accuracy(table, top1)
    row = page.locator('[data-testid="stTable"] tr', has_text="uploaded_b_model_b")
    row.wait_for()
    assert f"{value:.2f}" in row.inner_text()
    assert "<b>" not in row.inner_text()


def test_uploads_kept_once_under_the_data_folder_and_removed_with_the_model(
    app_server, app_server_home, page, demo, tmp_path
):
    """The same file uploaded twice is one copy under $IMLR_DATA_DIR/uploads; discarding and
    removing the models removes it."""
    from tests.helpers import write_top1_csv

    table, models = demo
    # A content no other test uploads to this server (uploads are kept by their content).
    f = write_top1_csv(tmp_path / "mine.csv", table, models["demo-weak"].top1, "file,label")
    content = f.read_bytes()

    def copies() -> list:
        uploads = app_server_home / "data" / "uploads"
        return [p for p in uploads.rglob("*.csv") if p.read_bytes() == content]

    page.goto(app_server)
    page.get_by_text("Mean accepted labels").wait_for(timeout=60_000)
    uploader = prediction_uploader(page)
    uploader.set_input_files(str(f))
    page.get_by_role("button", name="Add model").wait_for(timeout=60_000)
    page.get_by_role("button", name="Add model").click()
    page.get_by_text("4 models").wait_for(timeout=60_000)
    uploader.set_input_files(str(f))
    page.get_by_role("button", name="Discard").wait_for(timeout=60_000)
    files = copies()
    assert len(files) == 1  # the same content is kept once
    # A person reads the file's summary before choosing: click once the run has ended.
    settle(page)
    page.get_by_role("button", name="Discard").click()
    page.get_by_role("button", name="Discard").wait_for(state="detached")
    assert files[0].exists()  # still used by the added model
    row = page.locator('[data-testid="stHorizontalBlock"]', has=page.locator('input[value="mine"]'))
    row.get_by_role("button", name="✕").click()
    page.get_by_text("3 models").wait_for(timeout=60_000)
    assert not files[0].exists()


def test_thumbnails_have_text_alternatives_and_the_view_downloads(app_server, page, demo):
    """Every picture says in words what the tile shows in colour (image-alt), and the whole
    view (not only the page) downloads as JSON Lines."""
    import json

    table, _ = demo
    page.goto(f"{app_server}/browse?state=imagenet_m")
    page.get_by_text(re.compile(r"of 20,000 images")).first.wait_for()
    imgs = page.locator('[data-testid="stMain"] img')
    imgs.first.wait_for()
    alts = [imgs.nth(i).get_attribute("alt") or "" for i in range(imgs.count())]
    assert len(alts) == 48 and all("original label" in a and "in ImageNet-M" in a for a in alts)
    with page.expect_download() as info:
        page.get_by_role("button", name="This view (JSON Lines)").click()
    lines = open(info.value.path(), encoding="utf-8").read().splitlines()  # noqa: SIM115
    expected = view_rows(table, {}, BrowseState(states=("imagenet_m",)))
    assert [json.loads(x)["file_name"] for x in lines] == [
        str(table.file_name[r]) for r in expected
    ]


def _viewer_ready(page, sides: str) -> None:
    """Waits until the Image page's viewer holds these neighbours decoded ("prev next",
    "next"): its ``data-ready`` (Playwright's CSS locators reach into the component's shadow
    root)."""
    page.locator(f'.imlr-viewer[data-ready="{sides}"]').wait_for(state="attached")


def test_image_page_next_and_previous_swap_in_held_pictures(app_server, page, demo):
    """On the Image page, Next shows the view's next picture within the click itself (it
    came with the page, decoded; no server run can answer that soon), then the page follows:
    URL, heading and "k of n" agree. Two quick Previous end two images back; Previous is
    disabled on the view's first image. A step taken while the server is asked for the last
    one counts from the image that one started at."""
    table, models = demo
    rows = view_rows(table, models, BrowseState(states=("multi",)))
    names = [str(n) for n in table.file_name[rows[:4]]]
    page.goto(f"{app_server}/image?state=multi&image={names[1]}")
    viewer = page.locator(".imlr-viewer")
    _viewer_ready(page, "prev next")
    assert (
        viewer.locator(".where").text_content() == f"2 of {len(rows):,} in the current Browse view"
    )
    shown = viewer.locator("button.next").evaluate(
        """b => { b.click(); const root = b.getRootNode(); const i = root.querySelector('img');
            return [root.querySelector('figcaption').textContent,
                    i.complete && i.naturalWidth > 0, root.querySelector('.where').textContent]; }"""
    )
    assert shown == [names[2], True, f"3 of {len(rows):,} in the current Browse view"]
    page.get_by_role("heading", name=names[2]).wait_for()
    assert f"image={names[2]}" in page.url
    # Two quick Previous: the first swaps (held), the second asks the server.
    viewer.locator("button.prev").evaluate("b => { b.click(); b.click(); }")
    page.get_by_role("heading", name=names[0]).wait_for()
    page.wait_for_function(f"() => location.search.includes('image={names[0]}')")
    assert viewer.locator("figcaption").text_content() == names[0]
    assert viewer.locator("button.prev").is_disabled()
    assert viewer.locator("img").get_attribute("alt")
    # Next, Next, Previous at once: the first swaps (held), the second asks the server, the
    # third is taken from the same image as the second: back where the second started.
    _viewer_ready(page, "next")
    viewer.locator("button.next").evaluate(
        "b => { b.click(); b.click(); b.getRootNode().querySelector('button.prev').click(); }"
    )
    page.get_by_role("heading", name=names[1]).wait_for()
    page.wait_for_function(f"() => location.search.includes('image={names[1]}')")
    _viewer_ready(page, "prev next")
    assert viewer.locator("figcaption").text_content() == names[1]
    # By keyboard: Next keeps the focus through the server's run, so Enter steps on; with
    # nothing focused, → and ← step; while typing in a field they move the cursor only.
    viewer.locator("button.next").focus()
    for name in names[2:4]:
        page.keyboard.press("Enter")
        page.get_by_role("heading", name=name).wait_for()
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name=names[2]).wait_for()
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name=names[3]).wait_for()
    page.locator('[data-testid="stSidebar"] input[type="text"]').first.focus()
    assert page.evaluate("() => document.activeElement.tagName") == "INPUT"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    settle(page)
    assert f"image={names[3]}" in page.url


def test_a_view_keeps_its_filters_in_the_new_language_chosen_in_the_sidebar(app_server, page, demo):
    """A teacher switches to Hindi with filters set: the same images, and the chosen values
    read in Hindi at once (they stayed in English until a reload)."""
    table, models = demo
    state = BrowseState(states=("multi",), verdict="wrong", model="demo-weak")
    n = len(view_rows(table, models, state))
    page.goto(f"{app_server}/browse?state=multi&verdict=wrong&model=demo-weak")
    page.get_by_text(f"{n:,} of 20,000 images").first.wait_for(timeout=60_000)
    to_hindi(page)
    page.get_by_text(f"20,000 में से {n:,} चित्र").first.wait_for()
    main = page.locator('[data-testid="stMain"]')
    tags = " ".join(main.locator('[data-testid="stMultiSelect"]').all_inner_texts())
    # A select box shows its value in its field.
    chosen = main.locator('[data-testid="stSelectbox"] input').evaluate_all(
        "fields => fields.map(f => f.value)"
    )
    assert "एक से अधिक स्वीकृत लेबल" in tags and "more than one accepted label" not in tags
    assert "गलत (बहु-लेबल)" in chosen and "wrong (multi-label)" not in chosen
    assert "कोई भी (कोई फ़िल्टर नहीं)" in chosen and "any (no filter)" not in chosen
    assert "browse?state=multi&verdict=wrong&model=demo-weak" in page.url
