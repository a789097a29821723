import pytest
from markdown_it import MarkdownIt

from ui.text import WORD_JOINER, md

HOSTILE = [
    "/data/**new**/human_accuracy_v3.0.0.json",
    "<script>alert(1)</script>",
    "$HOME/x_$y$.json",
    "[click](javascript:alert(1))",
    "# heading ~~strike~~ `code` :red[colour] :material/error:",
    "a\\b & c < d > e | f ! g",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_md_renders_literally(text):
    html = MarkdownIt("commonmark").render(md(text)).replace(WORD_JOINER, "")
    # Rendered as one paragraph whose text is exactly the input (HTML-escaped by the renderer).
    import html as html_lib

    assert html == f"<p>{html_lib.escape(text, quote=False)}</p>\n".replace("&#x27;", "'")
