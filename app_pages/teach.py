"""Teach: lessons as slides for a room (question first, then Reveal), a quiz, a presentation
mode and a handout; in English or Hindi. Lessons and their rules live in data_access.teach.lessons.

URL: ``/teach?lesson=NAME&i=K`` (K from 1), ``&present=1``, ``&quiz=1``, ``&lang=hi``.
Keys: Space reveals, Right and Left move between slides.
"""

import streamlit as st

from data_access import i18n
from data_access.browse.records import image_description
from data_access.classes import load_classes
from data_access.errors import DataError
from data_access.sources.images import check_image
from data_access.teach.handout import lesson_handout
from data_access.teach.lessons import LESSON_BY_NAME, available, lesson_rows, quiz_choices, score
from ui import widgets
from ui.language import current_language, translator
from ui.render import demo_photos, photo_caption, synthetic_banner
from ui.state import context
from ui.teach import PRESENTATION_CSS, answer_panel, go, image_reviews, quiz_end, quiz_feedback
from ui.text import md, message_of

ctx = context()
source, models = ctx.source, ctx.models
table = source.table
names = load_classes().names
_ = translator()
lessons = available(models)

params = st.query_params
name = params.get("lesson") or lessons[0].name
present = params.get("present") == "1"
quiz = params.get("quiz") == "1"
if present:
    st.html(PRESENTATION_CSS)

st.title(_("Teach"))
if name not in LESSON_BY_NAME:
    st.warning(md(_("Unknown lesson in the link; showing the first.")))
    name = lessons[0].name
lesson = LESSON_BY_NAME[name]

if not present:
    synthetic_banner(source)
    c1, c2, c3, c4 = st.columns([3, 2, 1.4, 1.4], vertical_alignment="bottom")
    titles = {x.name: _(x.title) for x in lessons}
    if name not in titles:  # a model lesson from a link, without a model loaded
        titles[name] = _(lesson.title)
    # The language in the key: a new widget in each language, so that the lesson's title is
    # shown in the one just chosen (a widget given its index keeps the browser's wording, the
    # old language's, until a reload).
    lesson_key = f"teach_lesson_{name}_{current_language()}"
    widgets.selectbox(
        c1,
        _("Lesson"),
        list(titles),
        index=list(titles).index(name),
        format_func=titles.get,
        key=lesson_key,
        on_change=lambda: go(lesson=st.session_state[lesson_key], i="1"),
    )
    model = widgets.selectbox(c2, _("Model"), list(models), key="teach_model") if models else None
    c3.toggle(
        _("Quiz"),
        value=quiz,
        key="teach_quiz",
        on_change=lambda: go(quiz="1" if st.session_state.teach_quiz else None),
    )
    c4.button(_("Present"), on_click=go, kwargs={"present": "1"}, width="stretch")
else:
    model = st.session_state.get("teach_model")
    model = model if model in models else None  # the widget is not drawn: check its state

# On the demo, its real photographs open the lessons that keep them.
rows = lesson_rows(table, name, models, model=model, first=demo_photos(source))
if not present:
    st.subheader(_(lesson.title))
if not len(rows):
    st.info(
        md(_("Load predictions in the sidebar to use this lesson."))
        if lesson.needs_model and not models
        else md(_("This lesson has no images in this source."))
    )
    st.stop()
try:
    i = min(max(1, int(params.get("i", "1"))), len(rows))
except ValueError:
    i = 1
row = int(rows[i - 1])
file_name = str(table.file_name[row])
key = f"{name}|{model}|{i}"
answers = st.session_state.setdefault(f"teach_answers_{name}|{model}", {})
revealed = key in st.session_state.setdefault("teach_revealed", set()) or i in answers

position = _("{k} of {n}").format(k=i, n=len(rows))
if present:
    # One line for the lesson and the slide, the explanation as large dark text on the first
    # slide: the picture, the question and the controls fit a 1280x720 projector.
    st.markdown(f"### {md(_(lesson.title))} · {md(position)}")
    if i == 1:
        st.markdown(md(_(lesson.explanation)))
else:
    st.caption(md(_(lesson.explanation)))
    st.markdown(f"**{md(position)}**")

left, right = st.columns([3, 2])
with left:
    if source.has_images:
        try:
            # Before Reveal the text alternative gives nothing away either.
            alt = image_description(table, row, _) if revealed else _("The image to label")
            st.image(
                check_image(source.image_bytes(file_name), file_name),
                width="stretch",
                caption=photo_caption(source, file_name, revealed),
                alt=alt,
            )
        except DataError as e:
            st.warning(md(message_of(e)))
    else:
        st.info(md(_("No image in this source.")))
with right:
    if not revealed:
        st.markdown(f"### {md(_('What would you label this?'))}")
        if quiz:
            choices = quiz_choices(table, row)
            pick = widgets.radio(
                st,
                _("Your answer"),
                choices,
                format_func=lambda c: names[c],
                index=None,
                key=f"teach_pick_{key}",
            )
            if st.button(_("Answer"), type="primary", disabled=pick is None):
                answers[i] = score(table, row, int(pick))
                st.rerun()
    else:
        if i in answers:
            quiz_feedback(answers[i], table, row, _)
        answer_panel(table, row, models, image_reviews(ctx, file_name), _)

# On a projector the controls sit under the question; on a screen, in a row under the
# picture. Each shows its key (Streamlit draws a button's shortcut on it).
if present:
    row_ = right.container(horizontal=True, wrap=True)
    slots = [row_, row_, row_]
else:
    slots = list(st.columns(3))


slots[0].button(
    f"← {_('Previous')}",
    disabled=i <= 1,
    shortcut="Left",
    on_click=go,
    kwargs={"i": str(i - 1)},
)
if slots[1].button(_("Reveal"), disabled=revealed, shortcut="Space"):
    st.session_state.teach_revealed.add(key)
    st.rerun()
slots[2].button(
    f"{_('Next')} →",
    disabled=i >= len(rows),
    shortcut="Right",
    on_click=go,
    kwargs={"i": str(i + 1)},
)

if answers and len(answers) < len(rows):
    ml = sum(a.multilabel for a in answers.values())
    orig = sum(a.original for a in answers.values())
    text = _("You: {ml}/{n} multi-label, {orig}/{n} by the original label").format(
        ml=ml, orig=orig, n=len(answers)
    )
    st.caption(md(text))
elif answers:
    quiz_end(answers, len(rows), f"{name}|{model}", _)

if present:
    right.button(
        _("Leave presentation mode"),
        on_click=go,
        kwargs={"present": None},
        shortcut="Escape",
    )
else:
    # Read now: the handout is made after this run, when the session's language is not at hand
    # (a Hindi handout said lang="en").
    lang = current_language()
    suffix = "" if lang == i18n.DEFAULT_LANGUAGE else f"-{lang}"
    st.download_button(
        _("Download this lesson as a handout (HTML)"),
        data=lambda: lesson_handout(
            source, rows, _(lesson.title), _(lesson.explanation), _, lang, models
        ).encode(),
        # Its own name in each language: "lesson-unclear.html", "lesson-unclear-hi.html".
        file_name=f"lesson-{name}{suffix}.html",
        mime="text/html",
        on_click="ignore",
    )
