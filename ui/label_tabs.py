"""The Labels page's other tabs: agreement and a lead's decisions, and the revised label file;
and the problematic fields both forms share."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from data_access.annotations import AnnotationTable
from data_access.browse.url import to_params
from data_access.browse.view import BrowseState
from data_access.classes import load_classes, validation_position
from data_access.errors import DataError
from data_access.i18n import N_, Translate
from data_access.reviews.label_agreement import disagreements, expert_view, reviewer_agreement
from data_access.reviews.label_store import (
    all_label_reviews,
    decisions,
    label_state,
    save_decision,
)
from data_access.reviews.labels import VERDICTS, LabelReview, label_review_problems
from data_access.reviews.revise import POLICIES, revise, revision_base
from data_access.reviews.store import ReviewStore
from data_access.reviews.verdict_files import write_verdicts
from data_access.sources.source import default_labels_json
from ui import revised, widgets
from ui.identity import Identity, is_lead
from ui.language import translator
from ui.pages import ACCURACY_PAGE, BROWSE_PAGE
from ui.text import md, message_of

FLAGS = {None: N_("no opinion"), False: N_("not problematic"), True: N_("problematic")}
OTHER = N_("another reason (type it below)")
KEEP = N_("the experts' verdict")
POLICY_NAMES = {
    "majority": N_("majority"),
    "unanimous": N_("unanimous"),
    "adjudicated": N_("adjudicated"),
}


def problematic_fields(
    table: AnnotationTable, mine: LabelReview | None, key: str
) -> tuple[bool | None, str]:
    """The problematic radio and its reason (one of the source's own reasons, or typed)."""
    _ = translator()
    flags = list(FLAGS)
    flag = widgets.radio(
        st,
        _("Is the image problematic (to be left out of the metric)?"),
        flags,
        format_func=lambda f: _(FLAGS[f]),
        index=flags.index(mine.problematic if mine else None),
        horizontal=True,
        key=f"{key}_flag",
    )
    reasons = sorted({str(r) for r in table.problematic_reason.tolist() if r})
    saved = mine.reason if mine and mine.reason else ""
    options = [*reasons, OTHER]
    picked = widgets.selectbox(
        st,
        _("Reason (when problematic)"),
        options,
        index=options.index(saved) if saved in options else 0 if reasons else len(reasons),
        format_func=_,
        key=f"{key}_reason",
    )
    typed = st.text_input(
        _("Another reason"),
        value="" if saved in reasons else saved,
        max_chars=200,
        key=f"{key}_other",
    )
    reason = typed.strip() if picked == OTHER else str(picked)
    return flag, reason if flag else ""


def _names(wnids, _: Translate = str) -> str:
    c = load_classes()
    return ", ".join(
        _(w) if w == "problematic" else f"{c.names[c.wnid_to_index[w]]} ({w})" for w in wnids
    )


@st.cache_data(max_entries=8, ttl=3600, show_spinner="Comparing the reviewers...")
def _compared(
    where: str, state: tuple, table_key: str, _db: ReviewStore, _table: AnnotationTable
) -> tuple:
    """Every verdict, the experts' view of the reviewed images, and the agreement statistics;
    computed again only when a verdict is saved (``state``) or the source changes."""
    reviews = all_label_reviews(_db)
    experts, problematic = expert_view(_table, {r.file_name for r in reviews})
    decided = decisions(_db)
    queue = disagreements(reviews, experts, problematic, decided)
    stats = reviewer_agreement(reviews, experts, problematic)
    return reviews, experts, stats, queue, decided


def agreement_tab(db: ReviewStore, table: AnnotationTable, me: Identity, leads) -> None:
    reviews, experts, stats, queue, decided = _compared(
        db.where, label_state(db), table.content_key, db, table
    )
    _ = translator()
    if not reviews:
        st.info(_("No label reviews yet: review some labels first (or `labels import`)."))
        return
    st.download_button(
        _("Every verdict (CSV, as `labels export`)"),
        lambda: write_verdicts(reviews, "csv").encode(),  # made when asked for
        "label_verdicts.csv",
        "text/csv",
    )
    m1, m2 = st.columns(2)
    for col, what in ((m1, N_("labels")), (m2, N_("problematic"))):
        s = stats[what]
        alpha = _("n/a") if s["alpha"] != s["alpha"] else f"{s['alpha']:.3f}"
        col.metric(
            _("Between reviewers, {what}: Krippendorff's alpha").format(what=_(what)),
            alpha,
            help=_(
                "{units} judged by two or more reviewers, {values} verdicts; n/a when there is "
                "nothing to agree on (no variation)."
            ).format(units=f"{s['units']:,}", values=f"{s['values']:,}"),
        )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("reviewer"): name,
                    _("images"): r["images"],
                    _("verdicts on expert labels"): r["judged"],
                    _("agree with the experts"): r["agree"],
                    _("Cohen's kappa with the experts"): r["kappa"],
                    _("classes added"): r["added"],
                }
                for name, r in stats["reviewers"].items()
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    st.subheader(_("To decide: {n} images").format(n=f"{len(queue):,}"))
    if not queue:
        st.caption(_("Reviewers agree with each other and with the experts everywhere."))
        return
    numbers = tuple(validation_position(q["file_name"]) + 1 for q in queue)
    st.page_link(
        BROWSE_PAGE,
        label=_("Show these {n} images in Browse").format(n=f"{len(queue):,}"),
        query_params=to_params(BrowseState(images=numbers)),
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("file name"): q["file_name"],
                    _("reviewers disagree on"): _names(q["between_reviewers"], _),
                    _("differ from the experts on"): _names(q["with_experts"], _),
                    _("reviewers"): ", ".join(q["reviewers"]),
                    _("decided"): _("yes") if q["decided"] else "",
                }
                for q in queue
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    names = [q["file_name"] for q in queue]
    first = next((i for i, q in enumerate(queue) if not q["decided"]), 0)
    name = widgets.selectbox(st, _("Decide an image"), names, index=first, key="lb_decide")
    _decision_form(db, table, name, experts.get(name, {}), reviews, decided.get(name), me, leads)


def _decision_form(db, table, name, experts, reviews, decision, me, leads) -> None:
    mine = [r for r in reviews if r.file_name == name]
    c, _ = load_classes(), translator()
    wnids = list(experts) + sorted({w for r in mine for w in r.verdicts} - set(experts))
    grid = {
        _("class"): [f"{c.names[c.wnid_to_index[w]]} ({w})" for w in wnids] + [_("problematic")],
        _("experts"): [_(experts[w]) if w in experts else _("not listed") for w in wnids]
        + [_(FLAGS[bool(table.is_problematic[table.row_of[name]])])],
    }
    for r in mine:
        grid[r.reviewer] = [_(r.verdicts[w]) if w in r.verdicts else "" for w in wnids] + [
            _(FLAGS[r.problematic])
        ]
    st.dataframe(pd.DataFrame(grid), hide_index=True, width="stretch")
    if not is_lead(me, leads):
        why = ", ".join(leads) if leads else me.why_not or _("sign in first")
        st.caption(md(_("Only a lead reviewer records decisions ({why}).").format(why=why)))
        return
    with st.form(f"decide_{name}"):
        options = [KEEP, *VERDICTS]
        verdicts = {}
        for w in wnids:
            start = decision.verdicts.get(w, KEEP) if decision else KEEP
            picked = widgets.radio(
                st,
                md(f"{c.names[c.wnid_to_index[w]]} `{w}`"),
                options,
                index=options.index(start),
                format_func=_,
                horizontal=True,
                key=f"dc_{name}_{w}",
            )
            if picked in VERDICTS:
                verdicts[w] = picked
        flag, reason = problematic_fields(table, decision, f"dc_{name}")
        note = st.text_area(_("Note"), value=decision.note if decision else "", max_chars=5000)
        go = st.form_submit_button(_("Save the decision"), type="primary", shortcut="Ctrl+Enter")
    if go:
        made = LabelReview(name, me.reviewer, verdicts, flag, reason, note or "decided")
        problems = [what for _key, what in label_review_problems(made)]
        not_saved = _("Not saved: {why}.")
        if problems:
            st.error(md(not_saved.format(why="; ".join(problems))))
            return
        try:
            save_decision(db, made)
        except DataError as e:
            st.error(md(not_saved.format(why=message_of(e).rstrip("."))))
        else:
            st.success(md(_("Saved your decision on {name}.").format(name=name)))


def _labels_path() -> str | None:
    params = st.session_state.get("source_params")
    if params is None or params.kind == "demo":
        return None
    return params.labels_json or (str(default_labels_json()) if params.kind == "json" else None)


def revise_tab(db: ReviewStore, table: AnnotationTable) -> None:
    _ = translator()
    st.caption(
        _(
            "The label JSON with the reviewers' verdicts applied, in the original's shape: the "
            "app opens it as a source and TFDS's builder prepares from it. See docs/labels.md."
        )
    )
    with st.form("revise"):
        c1, c2 = st.columns(2)
        policy = widgets.radio(
            c1,
            _("Policy"),
            list(POLICIES),
            format_func=lambda k: _(POLICY_NAMES.get(k, k)),
            horizontal=True,
            key="rv_policy",
        )
        least = c2.number_input(_("At least this many reviewers per label"), 1, 100, 1, 1)
        go = st.form_submit_button(_("Write the revised file"), type="primary")
    if go:
        try:
            revision = revise(
                revision_base(table, _labels_path()),
                all_label_reviews(db),
                decisions(db),
                policy,
                int(least),
            )
        except DataError as e:
            st.error(md(message_of(e)))
            return
        st.session_state.lb_revision = {
            "policy": policy,
            "data": json.dumps(revision.labels, ensure_ascii=False).encode(),
            "changelog": revision.changelog,
        }
    made = st.session_state.get("lb_revision")
    if not made:
        return
    log = made["changelog"]
    st.markdown(
        _("**{n} images changed** under the {policy} policy.").format(
            n=f"{len(log):,}", policy=_(POLICY_NAMES.get(made["policy"], made["policy"]))
        )
    )
    if log:
        before, after = _("{set} before"), _("{set} after")
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        _("file name"): e["file_name"],
                        _("how"): e["how"],
                        **{before.format(set=_(k)): ", ".join(e["before"][k]) for k in VERDICTS},
                        **{after.format(set=_(k)): ", ".join(e["after"][k]) for k in VERDICTS},
                        before.format(set=_("problematic")): e["before"]["problematic"],
                        after.format(set=_("problematic")): e["after"]["problematic"],
                    }
                    for e in log[:500]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        _("Revised label JSON"), made["data"], "revised_labels.json", "application/json"
    )
    d2.download_button(
        _("Changelog (JSON)"),
        json.dumps(log, indent=1, ensure_ascii=False).encode(),
        "revised_labels_changelog.json",
        "application/json",
    )
    if d3.button(_("Score every model against it")):
        try:
            revised.use(f"revised labels ({made['policy']})", made["data"], table)
        except DataError as e:
            st.error(md(message_of(e)))
        else:
            st.page_link(ACCURACY_PAGE, label=_("See every model under both files on Accuracy"))
