"""Labels: a second look at the experts' label sets, image by image.

The queue is the Browse view the page was opened from (its filters in the link, as Browse's
own); each label of an image gets the reviewer's verdict (correct, unclear, wrong, or not
judged), the image a problematic flag and reason, and a note, saved with history under the
reviewer's name. The other tabs compare reviewers, let a lead decide the disputed images,
write the revised label file (:mod:`ui.label_tabs`), and rank the images whose original label
is most likely wrong (:mod:`ui.label_error_tab`).
"""

import pandas as pd
import streamlit as st

from data_access.browse.filters import FILTERS
from data_access.browse.url import from_params
from data_access.browse.view import view_rows
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.i18n import N_
from data_access.reviews.label_agreement import expert_view
from data_access.reviews.label_store import label_history, label_reviews, save_label_review
from data_access.reviews.labels import VERDICTS, LabelReview, form_labels, label_review_problems
from ui import widgets
from ui.identity import reviewer_block
from ui.label_error_tab import label_error_tab
from ui.label_tabs import agreement_tab, problematic_fields, revise_tab
from ui.language import translator
from ui.render import image_heading, page_header, query_params_dict, show_image, show_problems
from ui.review_queue import ctrl_enter_saves, open_store, queue_navigation, saved
from ui.state import context
from ui.suspects import suspect_view
from ui.text import md, message_of

NOT_JUDGED = N_("not judged")
TAB_KEY = "labels_tab"

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
classes = load_classes()
_ = translator()
page_header(_("Review labels"), source, models)
db = open_store(ctx, _("Verdicts"))
ctrl_enter_saves()
me = reviewer_block(ctx.args.allow_reviewers, ctx.args.read_only_reviewers, "verdict")
parsed = from_params(query_params_dict(), models, table, translator())
show_problems(parsed.problems)
view = parsed.state
# The tabs know which is open (a rerun on a switch), so the label-error tab, which may read
# every model's file again, runs only when someone looks at it.
tab_review, tab_agree, tab_revise, tab_errors = st.tabs(
    [
        _("Review labels"),
        _("Agreement and decisions"),
        _("Revised label file"),
        _("Likely label errors"),
    ],
    on_change="rerun",
    key=TAB_KEY,
)

with tab_review:
    queue_view, evidence = suspect_view(source, models, view.with_(image=None))
    rows = view_rows(table, models, queue_view, evidence)
    names = [str(table.file_name[r]) for r in rows]
    active = [
        f.describe(getattr(queue_view, f.name), _)
        for f in FILTERS
        if f.is_set(getattr(queue_view, f.name))
    ]
    st.caption(
        md(
            _("Queue: the {n} images of the Browse view you came from ({filters}).").format(
                n=f"{len(names):,}", filters="; ".join(active) if active else _("every image")
            )
            + " "
            + _(
                "Keyboard: Tab and the arrow keys move through the choices, Ctrl+Enter saves "
                "and goes to the next, Alt+→ next unreviewed, Alt+↓ skips, Alt+← goes back."
            )
        )
    )
    done = {r.file_name for r in label_reviews(db, reviewer=me.reviewer)} if me.reviewer else set()
    current = queue_navigation(names, done, me.reviewer, "lb", start=view.image)
    if current is None:
        st.info(_("No image in this view: change the filters in Browse."))
    else:
        row = table.row_of[current]
        experts, _listed = expert_view(table, [current])
        mine = (
            next(iter(label_reviews(db, file_name=current, reviewer=me.reviewer)), None)
            if me.reviewer
            else None
        )
        left, right = st.columns([3, 2])
        with left:
            show_image(source, current)
        with right:
            image_heading(table, row)
            if table.is_problematic[row]:
                reason = _(str(table.problematic_reason[row]) or N_("reason not recorded"))
                st.warning(
                    md(_("The experts marked it problematic: {reason}.").format(reason=reason))
                )
        with st.form(f"labels_{current}", border=True):
            st.caption(
                _(
                    "Each label starts at the experts' verdict (or your own, once saved): change "
                    "those you disagree with; “not judged” leaves a label out."
                )
            )
            options = [NOT_JUDGED, *VERDICTS]
            verdicts: dict[str, str] = {}
            for wnid, expert, start in form_labels(experts.get(current, {}), mine):
                index = classes.wnid_to_index[wnid]
                said = _(expert) if expert else _("not listed")
                picked = widgets.radio(
                    st,
                    md(f"{classes.names[index]} `{wnid}` · ")
                    + md(_("experts: {verdict}").format(verdict=said)),
                    options,
                    index=options.index(start or NOT_JUDGED),
                    format_func=_,
                    horizontal=True,
                    key=f"lv_{current}_{wnid}",
                )
                if picked in VERDICTS:
                    verdicts[wnid] = picked
            added = widgets.classes(
                st,
                _("Classes the experts did not list that are correct"),
                placeholder=_("search classes"),
                key=f"lv_{current}_added",
            )
            flag, reason = problematic_fields(table, mine, f"lv_{current}")
            note = st.text_area(
                _("Note"), value=mine.note if mine else "", max_chars=5000, height=80
            )
            submitted = st.form_submit_button(
                _("Save and go to the next"), type="primary", shortcut="Ctrl+Enter"
            )
        if submitted:
            for index in added:
                verdicts.setdefault(classes.wnids[index], "correct")
            review = LabelReview(current, me.reviewer, verdicts, flag, reason, note)
            problems = [what for _key, what in label_review_problems(review)]
            not_saved = _("Not saved: {why}.")
            if not me.can_save:
                st.error(md(not_saved.format(why=me.why_not)))
            elif problems:
                st.error(md(not_saved.format(why="; ".join(problems))))
            else:
                try:
                    save_label_review(db, review)
                except DataError as e:
                    st.error(md(not_saved.format(why=message_of(e).rstrip("."))))
                else:
                    done_text = _("Saved your verdicts on {name}.").format(name=current)
                    saved(names, done, "lb", current, done_text)
        history = label_history(db, current)
        if history:
            changes = _("History of this image's label reviews ({n} changes)")
            with st.expander(changes.format(n=len(history))):
                st.dataframe(
                    pd.DataFrame(
                        [
                            {
                                _("when"): h["changed_at"],
                                _("who"): h["reviewer"],
                                _("kind"): h["kind"],
                                _("verdicts"): ", ".join(
                                    f"{w}: {_(v)}" for w, v in h["new"]["verdicts"].items()
                                ),
                            }
                            for h in history
                        ]
                    ),
                    hide_index=True,
                    width="stretch",
                )

with tab_agree:
    agreement_tab(db, table, me, ctx.args.lead_reviewers)

with tab_revise:
    revise_tab(db, table)

with tab_errors:
    if tab_errors.open:
        label_error_tab(source, models)
