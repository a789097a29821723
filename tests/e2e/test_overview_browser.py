"""End to end: the Overview page in headless Chromium against ``streamlit run``."""

import pytest

from data_access.sources.source import open_source
from ui.text import WORD_JOINER

pytestmark = pytest.mark.browser


def _metric(page, label: str) -> str:
    # The label exactly: has_text is a case-insensitive substring, and "Problematic" is also
    # in the ReaL count "problematic image, but ReaL has labels".
    label_el = page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True)
    box = page.locator('[data-testid="stMetric"]').filter(has=label_el).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_overview_shows_the_demo_numbers(app_server, page):
    page.goto(app_server)
    page.get_by_text("Mean accepted labels").wait_for()
    summary = open_source("demo").table.summary()
    assert _metric(page, "Images") == f"{summary['images']:,}"
    assert _metric(page, "Problematic") == f"{summary['problematic']:,}"
    assert _metric(page, "ImageNet-M") == str(summary["imagenet_m"])
    assert _metric(page, "Multi-label images") == f"{summary['multi_label_images']:,}"
    page.get_by_text("Synthetic demo data.", exact=False).first.wait_for()


def test_sidebar_opens_a_label_json(app_server, page, label_json, table):
    page.goto(app_server)
    page.get_by_text("Mean accepted labels").wait_for()
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Label JSON (+ images)").click()
    sidebar.get_by_role("textbox", name="Label JSON path (json source)").fill(str(label_json))
    # The form's button ("Open" is also the language list's toggle).
    sidebar.get_by_test_id("stBaseButton-primaryFormSubmit").filter(has_text="Open").click()
    page.get_by_text("labels only", exact=False).first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=stMetricValue]')]"
        f".some(e => e.innerText.trim() === '{len(table)}')"
    )
    assert _metric(page, "Images") == str(len(table))
    assert _metric(page, "ImageNet-M") == str(int(table.in_imagenet_m.sum()))
    assert page.get_by_text("Synthetic demo data.", exact=False).count() == 0


def test_hostile_path_is_shown_literally(app_server, page, tmp_path):
    # Every character with a meaning in Streamlit's Markdown (CommonMark, $math$, ~~strike~~,
    # :colour[...] and :material/icons:, HTML): rendered by Streamlit's own frontend here.
    hostile = str(
        tmp_path
        / "**bold** __u__ ~~s~~ `c` <b>x</b> $HOME$ $$m$$ :red[red] :material/error: :smile: "
        "[a](javascript:x) #h +p -m 1. !i |t| ^s^ {b} a=b &amp; \"q\" 'a' \\x _y_.json"
    )
    page.goto(app_server)
    page.get_by_text("Mean accepted labels").wait_for()
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Label JSON (+ images)").click()
    sidebar.get_by_role("textbox", name="Label JSON path (json source)").fill(hostile)
    # The form's button ("Open" is also the language list's toggle).
    sidebar.get_by_test_id("stBaseButton-primaryFormSubmit").filter(has_text="Open").click()
    alert = sidebar.locator('[data-testid="stAlertContentError"]')
    alert.wait_for()
    text = alert.locator('[data-testid="stMarkdownContainer"]').inner_text().strip()
    # As typed, apart from the invisible word joiners that keep shortcodes from matching.
    assert text.replace(WORD_JOINER, "") == f"{hostile}: file not found"
    assert alert.locator("[data-testid=stIconMaterial], i, svg").count() <= 1  # the alert's own
    assert alert.locator("b, strong, a, .katex").count() == 0
    assert _metric(page, "Images") == "20,000"  # the demo is still loaded
