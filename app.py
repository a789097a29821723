"""ImageNet Multi-Label Review: the Streamlit entry point.

Run ``streamlit run app.py`` (the built-in synthetic demo), or choose a real source on the
command line: ``streamlit run app.py -- --source tfds --data-dir DIR`` /
``-- --source json --labels-json FILE [--images FOLDER_OR_TAR]``.
"""

import streamlit as st

from ui.guard import guarded
from ui.startup import enforce
from ui.state import render_sidebar

st.set_page_config(
    page_title="ImageNet Multi-Label Review", page_icon=":material/label:", layout="wide"
)

# Server mode serves as configured or not at all (ui/startup.py).
enforce()

pages = [
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/browse.py", title="Browse", icon=":material/grid_view:"),
    st.Page("app_pages/accuracy.py", title="Accuracy", icon=":material/leaderboard:"),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page(
        "app_pages/imagenet_m.py",
        title="ImageNet-M",
        icon=":material/target:",
        url_path="imagenet-m",
    ),
    st.Page("app_pages/review.py", title="Review", icon=":material/rate_review:"),
    st.Page("app_pages/teach.py", title="Teach", icon=":material/school:"),
    st.Page("app_pages/image.py", title="Image", icon=":material/image:", visibility="hidden"),
]
page = st.navigation(pages)
# Each runs on its own: an unexpected error in one is one line, and the other still works.
guarded(render_sidebar, "The sidebar", st.sidebar)
guarded(page.run, "This page")
