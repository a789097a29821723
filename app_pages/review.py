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
from ui.language import translator
from ui.render import (
    image_heading,
    no_models_prompt,
    page_header,
    real_line,
    show_image,
)
from ui.review_queue import ctrl_enter_saves, open_store, queue_navigation, saved
from ui.state import context
from ui.text import md, message_of

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
classes = load_classes()
_ = translator()
page_header(_("Review mistakes"), source, models)
db = open_store(ctx, _("Reviews"))
ctrl_enter_saves()

args = ctx.args
me = reviewer_block(args.allow_reviewers, args.read_only_reviewers, "review")
reviewer = me.reviewer

st.caption(
    _(
        "Keyboard: Tab and the arrow keys move through the choices, Ctrl+Enter saves and goes "
        "to the next, Alt+→ jumps to the next unreviewed, Alt+↓ skips, Alt+← goes back."
    )
)
tab_review, tab_summary, tab_io = st.tabs(
    [_("Review"), _("Summary and agreement"), _("Import / export")]
)

with tab_review:
    if not models:
        no_models_prompt(source)
    else:
        c1, c2, c3 = st.columns([2, 3, 2], vertical_alignment="bottom")
        model_name = widgets.selectbox(c1, _("Model"), list(models), key="rv_model")
        model = models[model_name]
        chosen = widgets.classes(c2, _("Class"), key="rv_classes", placeholder=_("any class"))
        groups = dict(group_options(_))
        group = widgets.selectbox(
            c3,
            _("WordNet group"),
            ["", *groups],
            key="rv_group",
            format_func=lambda w: groups[w] if w else _("any"),
        )
        # Under the three selectors: in a fourth column "ImageNet-M only" was cut short at
        # 1280 pixels wide (and its Hindi too).
        only_m = st.toggle(_("ImageNet-M only"), key="rv_m")

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
            st.info(_("Nothing to review with these filters."))
        elif current is not None:
            row = table.row_of[current]
            pred = int(model.top1[row])
            left, right = st.columns([3, 2])
            with left:
                show_image(source, current)
            with right:
                image_heading(table, row)
                real_line(table, row)
                if table.in_imagenet_m[row]:
                    st.markdown(":violet-badge[ImageNet-M]")
                if pred < 0:
                    st.warning(_("This model has no prediction for the image."))
                else:
                    v = table.verdict(row, pred)
                    st.markdown(
                        _("**{model}** predicts {predicted}").format(
                            model=md(model_name), predicted=md(classes.names[pred])
                        )
                        + f" `{classes.wnids[pred]}` · "
                        + _("experts: **{verdict}**").format(verdict=_(v))
                    )
                hint = suggest(table, row, pred) if pred >= 0 else {"category": None}
                if hint.get("category"):
                    st.caption(
                        _(
                            "Suggestion: fine-grained error (the prediction is {n} WordNet "
                            "steps from an accepted label)."
                        ).format(n=hint["distance"])
                    )
                if hint.get("unjudged"):
                    unjudged = _("Unjudged: nobody judged this class for this image.")
                    # Coloured text, not a badge: a badge is one line and was cut short.
                    st.markdown(f":orange[{unjudged}]")
                refs = db.references_for(current)
                for set_name, ref in refs.items():
                    st.caption(
                        md(
                            _(
                                "Reference {name}: {category} / {severity} (predicted {pred})"
                            ).format(
                                name=set_name,
                                category=ref["raw_category"],
                                severity=ref["raw_severity"],
                                pred=classes.names[ref["top_prediction"]],
                            )
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
                    _("Category"),
                    cats,
                    format_func=lambda k: _(CATEGORIES[k]),
                    horizontal=True,
                    index=cats.index(default_cat) if default_cat in cats else None,
                )
                severity = widgets.radio(
                    st,
                    _("Severity"),
                    sevs,
                    format_func=lambda k: _(SEVERITIES[k]),
                    horizontal=True,
                    index=sevs.index(existing.severity) if existing else None,
                )
                extra = widgets.classes(
                    st,
                    _("Proposed extra correct labels"),
                    default=existing.proposed_correct_labels if existing else [],
                    placeholder=_("search classes"),
                )
                note = st.text_area(
                    _("Note"), value=existing.note if existing else "", max_chars=5000, height=80
                )
                submitted = st.form_submit_button(
                    _("Save and go to the next"), type="primary", shortcut="Ctrl+Enter"
                )
            if submitted:
                review = Review(
                    model_name, current, reviewer, category, severity, pred, list(extra), note
                )
                # The store's own rules, all at once, in words (data_access.reviews).
                problems = [what for _key, what in review_problems(review)]
                not_saved = _("Not saved: {why}.")
                if not me.can_save:  # no name yet, not on the list, read-only, signed out
                    st.error(md(not_saved.format(why=me.why_not)))
                elif problems:
                    st.error(md(not_saved.format(why="; ".join(problems))))
                else:
                    try:
                        db.save(review)
                    except DataError as e:
                        st.error(md(not_saved.format(why=message_of(e).rstrip("."))))
                    else:
                        saved(names, done, "rv", current, _("Saved {name}.").format(name=current))
            if existing:
                history = _("History of this review (version {n})").format(n=existing.version)
                with st.expander(history):
                    hist = db.history(model_name, current)
                    st.dataframe(
                        pd.DataFrame(
                            [
                                {
                                    _("when"): h["changed_at"],
                                    _("who"): h["reviewer"],
                                    _("from"): f"{h['old']['category']}/{h['old']['severity']}"
                                    if h["old"]
                                    else "",
                                    _("to"): f"{h['new']['category']}/{h['new']['severity']}",
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
        st.info(_("No reviews yet."))
    else:
        df = pd.DataFrame(
            [
                {
                    "model": r.model,
                    "reviewer": r.reviewer,
                    "category": _(CATEGORIES[r.category]),
                    "severity": _(SEVERITIES[r.severity]),
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
                x=alt.X("reviews:Q", title=_("reviews")),
                y=alt.Y("category:N", title=None),
                color=alt.Color(
                    "severity:N",
                    title=_("severity"),
                    sort=[_(v) for v in SEVERITIES.values()],
                ),
                row=alt.Row("model:N", title=_("model")),
                column=alt.Column("reviewer:N", title=_("reviewer")),
                tooltip=[
                    alt.Tooltip(f"{k}:N", title=_(k))
                    for k in ("model", "reviewer", "category", "severity")
                ]
                + [alt.Tooltip("reviews:Q", title=_("reviews"))],
            ),
        )
        st.dataframe(
            counts,
            hide_index=True,
            width="stretch",
            column_config={k: st.column_config.Column(_(k)) for k in counts.columns},
        )
    st.subheader(_("Agreement"))
    sources = [f"reviewer: {r}" for r in db.reviewers()]
    sources += [f"reference: {n}" for n in db.reference_sets()]
    if len(sources) < 2:
        st.caption(_("Agreement needs two reviewers, or a reviewer and an imported reference set."))
    else:

        def _source_text(label: str) -> str:
            kind, name = label.split(": ", 1)
            return (_("reviewer: {name}") if kind == "reviewer" else _("reference: {name}")).format(
                name=name
            )

        a1, a2, a3 = st.columns(3)
        first = widgets.selectbox(a1, _("First"), sources, key="ag_first", format_func=_source_text)
        second = widgets.selectbox(
            a2,
            _("Second"),
            [s for s in sources if s != first],
            key="ag_second",
            format_func=_source_text,
        )
        scope = widgets.selectbox(
            a3,
            _("Reviews of model"),
            ["any", *sorted({r.model for r in all_reviews})],
            key="ag_model",
            format_func=lambda v: _("any") if v == "any" else v,
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
        m1.metric(_("Images judged by both"), f"{res['images']:,}")
        agree = _("{k} of {n} agree")
        m2.metric(
            _("Category: Cohen's kappa"),
            "-" if res["images"] == 0 else f"{res['category']['kappa']:.3f}",
            help=agree.format(k=res["category"]["agree"], n=res["images"]),
        )
        m3.metric(
            _("Severity: Cohen's kappa"),
            "-" if res["images"] == 0 else f"{res['severity']['kappa']:.3f}",
            help=agree.format(k=res["severity"]["agree"], n=res["images"]),
        )

with tab_io:
    st.subheader(_("Import a reference categorisation"))
    st.caption(
        _("The published format: {format} (JSON), or a CSV with those columns.").format(
            format='`{file_name: {"top_prediction": int, "failure category": str, '
            '"failure severity": str}}`'
        )
    )
    if not me.can_save:
        # Importing writes to the shared store: a permitted reviewer's action only.
        st.info(
            md(
                _("Importing needs a reviewer who may save: {why}.").format(
                    why=me.why_not or _("not permitted")
                )
            )
        )
    else:
        with st.form("import_ref", clear_on_submit=True):
            up = st.file_uploader(_("Categorisation file"), type=["json", "csv"])
            set_name = st.text_input(_("Name it"), placeholder=_("e.g. paper-vit3b"))
            go = st.form_submit_button(_("Import"))
        if go:
            if up is None or not set_name.strip():
                st.error(_("Choose a file and give the set a name."))
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
                            _("Not imported, nothing changed: ")
                            + e.problem
                            + (f" ({e.where})" if e.where else "")
                        )
                    )
                else:
                    st.success(
                        md(_("Imported {n} images as {name}.").format(n=n, name=set_name.strip()))
                    )
    if db.reference_sets():
        st.caption(md(_("Reference sets: ") + ", ".join(db.reference_sets())))
    st.subheader(_("Export reviews"))
    e1, e2 = st.columns(2)
    e1.download_button(_("All reviews (CSV)"), db.export("csv").encode(), "reviews.csv", "text/csv")
    if reviewer and models:
        try:
            data = db.export("json", reviewer=reviewer, model=model_name)
            e2.download_button(
                _("Mine for this model (published JSON format)"),
                data.encode(),
                "reviews.json",
                "application/json",
            )
        except DataError as e:
            e2.caption(md(message_of(e)))
