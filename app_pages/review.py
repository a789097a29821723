"""Review: categorise a model's mistakes with the taxonomy of Vasudevan et al. 2022.

A queue of the model's multi-label mistakes (and every ImageNet-M image), one image at a time,
with a suggestion that is never saved on its own; each save is one SQLite transaction with
full history. Reference categorisations (e.g. the paper's) are imported read-only, and
reviewers can be compared with each other or with a reference set.
"""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from data_access.browse.choices import group_options
from data_access.browse.view import BrowseState, filter_rows
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.reviews import (
    CATEGORIES,
    SEVERITIES,
    Review,
    agreement,
    review_problems,
    review_queue,
    suggest,
)
from data_access.reviews.reference import parse_reference_bytes
from ui import widgets
from ui.identity import reviewer_block
from ui.render import (
    label_chips,
    no_models_prompt,
    page_header,
    real_line,
    show_image,
)
from ui.review_queue import open_store, queue_navigation, saved
from ui.state import context
from ui.text import md

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
classes = load_classes()
page_header("Review mistakes", source, models)
db = open_store(ctx, "Reviews")

args = ctx.args
me = reviewer_block(args.allow_reviewers, args.read_only_reviewers, "review")
reviewer = me.reviewer

st.caption(
    "Keyboard: Tab and the arrow keys move through the choices, Ctrl+Enter saves and "
    "goes to the next, Alt+→ jumps to the next unreviewed, Alt+↓ skips, Alt+← goes back."
)
tab_review, tab_summary, tab_io = st.tabs(["Review", "Summary and agreement", "Import / export"])

with tab_review:
    if not models:
        no_models_prompt(source)
    else:
        c1, c2, c3, c4 = st.columns([2, 3, 2, 1], vertical_alignment="bottom")
        model_name = widgets.selectbox(c1, "Model", list(models), key="rv_model")
        model = models[model_name]
        chosen = widgets.classes(c2, "Class", key="rv_classes", placeholder="any class")
        groups = dict(group_options())
        group = widgets.selectbox(
            c3,
            "WordNet group",
            ["", *groups],
            key="rv_group",
            format_func=lambda w: groups[w] if w else "any",
        )
        only_m = c4.toggle("ImageNet-M only", key="rv_m")

        # The Browse filters, so a class, group or ImageNet-M means here what it means there.
        view = BrowseState(
            classes=tuple(chosen), group=group or None, states=("imagenet_m",) if only_m else ()
        )
        queue = review_queue(table, model.top1)
        queue = queue[np.isin(queue, filter_rows(table, models, view))]
        names = [str(table.file_name[r]) for r in queue]
        done = {
            r.file_name
            for r in db.reviews(model=model_name, reviewer=reviewer or None)
            if r.reviewer == reviewer
        }
        current = queue_navigation(names, done, reviewer, "rv")
        if not names:
            st.info("Nothing to review with these filters.")
        elif current is not None:
            row = table.row_of[current]
            pred = int(model.top1[row])
            left, right = st.columns([3, 2])
            with left:
                show_image(source, current)
            with right:
                orig = int(table.original_label[row])
                st.markdown(f"### {md(current)}")
                st.markdown(
                    f"**Original label:** {md(classes.names[orig])} `{classes.wnids[orig]}`"
                )
                chips, hover = label_chips(table, row)
                st.markdown(chips, help=hover)
                real_line(table, row)
                if table.in_imagenet_m[row]:
                    st.markdown(":violet-badge[ImageNet-M]")
                if pred < 0:
                    st.warning("This model has no prediction for the image.")
                else:
                    v = table.verdict(row, pred)
                    st.markdown(
                        f"**{md(model_name)} predicts** {md(classes.names[pred])} "
                        f"`{classes.wnids[pred]}` · experts: **{v}**"
                    )
                hint = suggest(table, row, pred) if pred >= 0 else {"category": None}
                if hint.get("category"):
                    st.caption(
                        f"Suggestion: fine-grained error (the prediction is "
                        f"{hint['distance']} WordNet steps from an accepted label)."
                    )
                if hint.get("unjudged"):
                    st.markdown(":orange-badge[Unjudged: nobody judged this class for this image.]")
                refs = db.references_for(current)
                for set_name, ref in refs.items():
                    st.caption(
                        md(
                            f"Reference {set_name}: {ref['raw_category']} / "
                            f"{ref['raw_severity']} (predicted "
                            f"{classes.names[ref['top_prediction']]})"
                        )
                    )
            existing = (
                next(iter(db.reviews(model=model_name, reviewer=reviewer, file_name=current)), None)
                if reviewer
                else None
            )
            cats, sevs = list(CATEGORIES), list(SEVERITIES)
            default_cat = existing.category if existing else hint.get("category")
            with st.form(f"review_{model_name}_{current}", border=True):
                category = widgets.radio(
                    st,
                    "Category",
                    cats,
                    format_func=CATEGORIES.get,
                    horizontal=True,
                    index=cats.index(default_cat) if default_cat in cats else None,
                )
                severity = widgets.radio(
                    st,
                    "Severity",
                    sevs,
                    format_func=SEVERITIES.get,
                    horizontal=True,
                    index=sevs.index(existing.severity) if existing else None,
                )
                extra = widgets.classes(
                    st,
                    "Proposed extra correct labels",
                    default=existing.proposed_correct_labels if existing else [],
                    placeholder="search classes",
                )
                note = st.text_area(
                    "Note", value=existing.note if existing else "", max_chars=5000, height=80
                )
                submitted = st.form_submit_button(
                    "Save and go to the next", type="primary", shortcut="Ctrl+Enter"
                )
            if submitted:
                review = Review(
                    model_name, current, reviewer, category, severity, pred, list(extra), note
                )
                # The store's own rules, all at once, in words (data_access.reviews).
                problems = [what for _, what in review_problems(review)]
                if not me.can_save:  # no name yet, not on the list, read-only, signed out
                    st.error(md(f"Not saved: {me.why_not}."))
                elif problems:
                    st.error(md("Not saved: " + "; ".join(problems) + "."))
                else:
                    try:
                        db.save(review)
                    except DataError as e:
                        st.error(md(f"Not saved: {e}"))
                    else:
                        saved(names, done, "rv", current, f"Saved {current}.")
            if existing:
                with st.expander(f"History of this review (version {existing.version})"):
                    hist = db.history(model_name, current)
                    st.dataframe(
                        pd.DataFrame(
                            [
                                {
                                    "when": h["changed_at"],
                                    "who": h["reviewer"],
                                    "from": f"{h['old']['category']}/{h['old']['severity']}"
                                    if h["old"]
                                    else "",
                                    "to": f"{h['new']['category']}/{h['new']['severity']}",
                                }
                                for h in hist
                            ]
                        ),
                        hide_index=True,
                        width="stretch",
                    )

with tab_summary:
    all_reviews = db.reviews()
    if not all_reviews:
        st.info("No reviews yet.")
    else:
        df = pd.DataFrame(
            [
                {
                    "model": r.model,
                    "reviewer": r.reviewer,
                    "category": CATEGORIES[r.category],
                    "severity": SEVERITIES[r.severity],
                }
                for r in all_reviews
            ]
        )
        counts = df.groupby(["model", "reviewer", "category", "severity"]).size()
        counts = counts.reset_index(name="reviews")
        st.altair_chart(
            alt.Chart(counts)
            .mark_bar()
            .encode(
                x=alt.X("reviews:Q"),
                y=alt.Y("category:N", title=None),
                color=alt.Color("severity:N", sort=list(SEVERITIES.values())),
                row=alt.Row("model:N"),
                column=alt.Column("reviewer:N"),
                tooltip=["model", "reviewer", "category", "severity", "reviews"],
            ),
        )
        st.dataframe(counts, hide_index=True, width="stretch")
    st.subheader("Agreement")
    sources = [f"reviewer: {r}" for r in db.reviewers()]
    sources += [f"reference: {n}" for n in db.reference_sets()]
    if len(sources) < 2:
        st.caption("Agreement needs two reviewers, or a reviewer and an imported reference set.")
    else:
        a1, a2, a3 = st.columns(3)
        first = widgets.selectbox(a1, "First", sources, key="ag_first")
        second = widgets.selectbox(
            a2, "Second", [s for s in sources if s != first], key="ag_second"
        )
        scope = widgets.selectbox(
            a3, "Reviews of model", ["any", *sorted({r.model for r in all_reviews})], key="ag_model"
        )

        def judgements(label: str) -> dict:
            kind, name = label.split(": ", 1)
            if kind == "reference":
                return db.reference(name)
            return {
                r.file_name: {"category": r.category, "severity": r.severity}
                for r in db.reviews(reviewer=name, model=None if scope == "any" else scope)
            }

        res = agreement(judgements(first), judgements(second))
        m1, m2, m3 = st.columns(3)
        m1.metric("Images judged by both", f"{res['images']:,}")
        m2.metric(
            "Category: Cohen's kappa",
            "-" if res["images"] == 0 else f"{res['category']['kappa']:.3f}",
            help=f"{res['category']['agree']} of {res['images']} agree",
        )
        m3.metric(
            "Severity: Cohen's kappa",
            "-" if res["images"] == 0 else f"{res['severity']['kappa']:.3f}",
            help=f"{res['severity']['agree']} of {res['images']} agree",
        )

with tab_io:
    st.subheader("Import a reference categorisation")
    st.caption(
        'The published format: {file_name: {"top_prediction": int, "failure category":'
        ' str, "failure severity": str}} (JSON), or a CSV with those columns.'
    )
    if not me.can_save:
        # Importing writes to the shared store: a permitted reviewer's action only.
        st.info(md(f"Importing needs a reviewer who may save: {me.why_not or 'not permitted'}."))
    else:
        with st.form("import_ref", clear_on_submit=True):
            up = st.file_uploader("Categorisation file", type=["json", "csv"])
            set_name = st.text_input("Name it", placeholder="e.g. paper-vit3b")
            go = st.form_submit_button("Import")
        if go:
            if up is None or not set_name.strip():
                st.error("Choose a file and give the set a name.")
            else:
                # Checked in memory: an upload is never written to the server's disks.
                try:
                    items = parse_reference_bytes(up.getvalue(), up.name)
                    n = db.import_reference_items(
                        set_name.strip(), items, f"upload {up.name} by {me.reviewer}"
                    )
                except DataError as e:
                    st.error(
                        md(
                            f"Not imported, nothing changed: {e.problem}"
                            + (f" ({e.where})" if e.where else "")
                        )
                    )
                else:
                    st.success(md(f"Imported {n} images as {set_name.strip()}."))
    if db.reference_sets():
        st.caption(md("Reference sets: " + ", ".join(db.reference_sets())))
    st.subheader("Export reviews")
    e1, e2 = st.columns(2)
    e1.download_button("All reviews (CSV)", db.export("csv").encode(), "reviews.csv", "text/csv")
    if reviewer and models:
        try:
            data = db.export("json", reviewer=reviewer, model=model_name)
            e2.download_button(
                "Mine for this model (published JSON format)",
                data.encode(),
                "reviews.json",
                "application/json",
            )
        except DataError as e:
            e2.caption(md(str(e)))
