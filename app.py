"""ImageNet Multi-Label Review: the Streamlit entry point.

Run ``streamlit run app.py`` (the built-in synthetic demo), or choose a real source on the
command line: ``streamlit run app.py -- --source tfds --data-dir DIR`` /
``-- --source json --labels-json FILE [--images FOLDER_OR_TAR]``.
"""

from pathlib import Path

import streamlit as st

from ui.guard import guarded
from ui.pages import navigation_pages
from ui.render import APP_CSS
from ui.startup import enforce
from ui.state import render_sidebar

# The tab's icon is a file sent with the page: a Material icon name would make every
# visitor's browser fetch the icon from fonts.gstatic.com (a request to Google from a lab's
# private network, and a failed one offline).
st.set_page_config(
    page_title="ImageNet Multi-Label Review",
    page_icon=str(Path(__file__).parent / "ui" / "favicon.svg"),
    layout="wide",
)

# Server mode serves as configured or not at all (ui/startup.py).
enforce()

page = st.navigation(navigation_pages())
st.html(APP_CSS)  # the app's few layout rules (ui/render.py)
# Each runs on its own: an unexpected error in one is one line, and the other still works.
guarded(render_sidebar, "The sidebar", st.sidebar)
guarded(page.run, "This page")
