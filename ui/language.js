// The page's language, set in the page itself on every run (a components-v2 script).
//
// 1. <html lang>: Streamlit's page says lang="en", so a screen reader would read the Hindi
//    pages with an English voice (WCAG 3.1.1).
// 2. The words Streamlit draws itself and offers no way to change: the upload field's button
//    and size line, a text field's "Press Enter to apply", and the accessible names, tooltips
//    and placeholders it sets ("Collapse sidebar", "Choose an option", "Download as CSV"). They
//    are set to the page's words (data.words) whenever Streamlit draws them, and set back
//    to Streamlit's own (kept in data-imlr-en) when the page is in English again.
const STATE = Symbol.for("imlr.language");

// Sets a node's text (its first text node's value: the node React keeps and updates) or an
// attribute to wanted(Streamlit's English), unless wanted says null (leave it).
function swap(node, wanted, attribute) {
  const text = attribute ? null : [...node.childNodes].find((n) => n.nodeType === Node.TEXT_NODE);
  if (!attribute && !text) return;
  const read = () => (attribute ? node.getAttribute(attribute) : text.nodeValue) ?? "";
  const write = (v) => (attribute ? node.setAttribute(attribute, v) : (text.nodeValue = v));
  const name = attribute ? attribute.replace(/\W/g, "") : "Text";
  const [english, ours] = ["imlrEn" + name, "imlrSet" + name];
  const now = read();
  if (now !== node.dataset[ours]) node.dataset[english] = now; // Streamlit (re)drew it
  const value = wanted(node.dataset[english]);
  if (value !== null && now !== value) {
    write(value);
    node.dataset[ours] = value;
  }
}

// The page's words for one of Streamlit's (null: none, leave it).
function named(words, value) {
  if (Object.hasOwn(words.exact, value)) return words.exact[value];
  for (const [english, ours] of Object.entries(words.prefix)) {
    if (value.startsWith(english)) return ours.replace("{rest}", value.slice(english.length));
  }
  return null;
}

function apply(words, state) {
  const english = words === null;
  if (english && !state.changed) return; // nothing of Streamlit's was ever replaced
  state.changed = true;
  const same = (v) => v;
  for (const p of document.querySelectorAll(
    '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
  )) {
    swap(p, english ? same : (v) => (v === "Upload" ? words.upload : null));
  }
  for (const span of document.querySelectorAll(
    '[data-testid="stFileUploaderDropzoneInstructions"] span'
  )) {
    swap(span, english ? same : (v) => {
      const m = /^(\S+) per file(.*)$/s.exec(v);
      return m ? words.per_file.replace("{size}", m[1]) + m[2] : null;
    });
  }
  for (const span of document.querySelectorAll('[data-testid="InputInstructions"] span')) {
    // A text field's hint while it is edited: "Press Enter to apply", "Press Ctrl+Enter to
    // submit form".
    swap(span, english ? same : (v) => {
      const m = /^Press (.+) to (apply|submit form)$/.exec(v);
      return m ? words[m[2] === "apply" ? "press_apply" : "press_submit"].replace("{keys}", m[1]) : null;
    });
  }
  // Accessible names, tooltips and placeholders Streamlit sets: whole ones ("Collapse
  // sidebar", "Choose an option") and those that start with words of its own ("Help for X",
  // "Fullscreen: X", "Shortcut X").
  for (const attribute of ["aria-label", "title", "placeholder"]) {
    for (const node of document.querySelectorAll(`[${attribute}]`)) {
      if (node.closest(".imlr")) continue; // the app's own elements are in its words already
      swap(node, english ? same : (v) => named(words, v), attribute);
    }
  }
  for (const node of document.querySelectorAll('[data-testid="stTooltipContent"] p')) {
    swap(node, english ? same : (v) => named(words, v));
  }
}

export default function ({ data }) {
  document.documentElement.lang = data.lang;
  const state = (window[STATE] ??= { words: null, observer: null, changed: false });
  state.words = data.words ?? null;
  if (state.observer === null) {
    // Streamlit redraws these elements (a new widget, a rerun): apply the words again.
    state.observer = new MutationObserver(() => apply(state.words, state));
    state.observer.observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
      attributes: true,
      attributeFilter: ["aria-label", "title", "placeholder"],
    });
  }
  apply(state.words, state);
}
