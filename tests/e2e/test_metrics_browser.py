"""End to end in Chromium: the Accuracy, Compare and ImageNet-M pages."""

import csv
import io
import re

import pytest

from data_access.analysis import metrics

pytestmark = pytest.mark.browser


def _wait_count(page, n: int) -> None:
    page.wait_for_function(
        f"() => document.body.innerText.includes('{n:,} of 20,000 images')", timeout=60_000
    )


def test_accuracy_download_and_class_to_browse(app_server, page, demo):
    table, models = demo
    page.goto(f"{app_server}/accuracy")
    page.get_by_text("Most frequent confusions").wait_for(timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download per-class CSV").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text())))
    expected = metrics.per_class(table, models["demo-strong"])
    assert len(rows) == 1000
    assert float(rows[0]["multilabel_accuracy"]) == pytest.approx(
        expected["multilabel_accuracy"][0]
    )
    box = page.locator('[data-testid="stSelectbox"]', has_text="Show a class's mistakes")
    box.locator("input").click()
    page.keyboard.type("tench")
    page.get_by_role("option", name=re.compile(r"^tench")).click()
    page.get_by_role("button", name="Open in Browse").click()
    # The class's evaluated images the model gets wrong: a hand count, problematic ones out.
    strong = models["demo-strong"]
    wrong = sum(
        1
        for i in range(len(table))
        if table.original_label[i] == 0
        and not table.is_problematic[i]
        and int(strong.top1[i])
        not in {
            *table.correct_multi_labels.row(i).tolist(),
            *table.unclear_multi_labels.row(i).tolist(),
        }
    )
    _wait_count(page, wrong)
    assert "class=n01440764" in page.url and "verdict=wrong" in page.url
    assert "state=not_problematic" in page.url


def test_compare_to_browse(app_server, page, demo):
    table, models = demo
    res = metrics.paired(table, models["demo-strong"], models["demo-medium"])
    page.goto(f"{app_server}/compare")
    button = page.get_by_role("button", name=f"Browse the {res.a_only:,} images only A gets right")
    button.click()
    _wait_count(page, res.a_only)
    assert "verdict=beats" in page.url and "vs=demo-medium" in page.url


def test_imagenet_m_scores_and_download(app_server, page, demo):
    table, models = demo
    page.goto(f"{app_server}/imagenet-m")
    for name, m in models.items():
        k, total, _ = metrics.imagenet_m(table, m.top1)
        page.locator('[data-testid="stMetric"]', has_text=name).get_by_text(
            f"{k}/{total}"
        ).wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the matrix (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text())))
    assert len(rows) == 68
    solved = sum(r["demo-strong"] == "✓" for r in rows)
    assert solved == metrics.imagenet_m(table, models["demo-strong"].top1)[0]


def test_downloads_neutralise_formula_model_names(app_server, page):
    """A model renamed to a formula is exported as text in every CSV download of the app."""
    name = '=HYPERLINK("http://evil.example","x")'
    page.goto(app_server)
    page.get_by_text("Mean accepted labels").wait_for(timeout=60_000)
    box = page.locator('[data-testid="stSidebar"] input[value="demo-strong"]').element_handle()
    box.fill(name)
    box.press("Enter")
    page.locator('[data-testid="stTable"] tr', has_text="evil.example").wait_for(timeout=60_000)
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name="Accuracy").click()
    page.get_by_text("Most frequent confusions").wait_for(timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download this table (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_text())))
    assert "'" + name in [r["model"] for r in rows]
    assert not any(v.startswith("=") for r in rows for v in r.values())
    nav.get_by_role("link", name="ImageNet-M").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the matrix (CSV)").click()
    header = next(csv.reader(io.StringIO(info.value.path().read_text())))
    assert "'" + name in header and name not in header
