"""The floor of a Streamlit interaction on this machine, for bench_browse: the same widgets as
Browse's filter and page number, and nothing else (no sidebar, no data, no pictures)."""

import streamlit as st

chosen = st.multiselect("Label state", ["ImageNet-M", "more than one accepted label"], key="f")
page = st.number_input("Page", min_value=1, max_value=1000, key="p")
st.markdown(f"{len(chosen)} chosen · page {page}")
