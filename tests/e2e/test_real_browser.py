"""End to end in Chromium: ReaL beside the expert sets, and the published leaderboard."""

import pytest

from data_access.analysis import metrics
from data_access.analysis.published import published_models
from data_access.analysis.real import DISAGREEMENTS
from data_access.browse.view import BrowseState, view_rows
from data_access.sources.source import open_source
from tests.helpers import real_kinds_oracle

pytestmark = pytest.mark.browser


def test_leaderboard_chart_renders_with_the_models_placed(app_server, page, demo):
    table, models = demo
    page.goto(f"{app_server}/accuracy")
    page.get_by_role("heading", name="Among published models").wait_for(timeout=60_000)
    for m in models.values():
        rank = published_models().rank(metrics.multilabel_accuracy(table, m.top1))
        page.get_by_text(
            f"better than {rank['better_than']:,} of 962 published models", exact=False
        ).first.wait_for()
    # One canvas described as a whole (962 dots as SVG were 2,000 elements to lay out and
    # announce), found by its text alternative.
    chart = page.locator(
        '[data-testid="stVegaLiteChart"][role="graphics-document"]'
        '[aria-label^="Scatter plot of 962 published models"]'
    )
    chart.scroll_into_view_if_needed()
    assert chart.locator("svg").count() == 0
    drawn = chart.locator("canvas")
    drawn.wait_for(timeout=30_000)
    box = drawn.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 300  # drawn, not an empty frame
    page.get_by_text("context for what the numbers mean on the real dataset").wait_for()


def test_real_filter_from_the_overview_to_browse(app_server, page):
    table = open_source("demo").table
    counts = real_kinds_oracle(table)
    page.goto(app_server)
    section = page.get_by_role("heading", name="The experts and ReaL")
    section.wait_for(timeout=60_000)
    metric = page.locator('[data-testid="stMetric"]', has_text=DISAGREEMENTS["real_empty"])
    metric.get_by_text(f"{counts['real_empty']:,}", exact=True).wait_for()
    # The link of that kind, by its target: links render one by one, so a position in the
    # list can point at another kind while the section is still being drawn.
    page.locator('[data-testid="stPageLink"] a[href*="real=real_empty"]').click()
    page.wait_for_function(
        f"() => document.body.innerText.includes('{counts['real_empty']:,} of 20,000 images')",
        timeout=60_000,
    )
    assert "real=real_empty" in page.url
    rows = view_rows(table, {}, BrowseState(real="real_empty"))
    page.locator("li.tile .file").first.filter(has_text=str(table.file_name[rows[0]])).wait_for(
        state="attached"
    )
    assert page.locator("li.tile .file").all_text_contents() == [
        str(n) for n in table.file_name[rows[:48]]
    ]
    chips = page.locator("li.tile .chip.k-real").all_text_contents()
    assert len(chips) == 48 and set(chips) == {"ReaL (synthetic): no label"}
