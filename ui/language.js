// The page's language, set in the page itself on every run (a components-v2 script).
//
// 1. <html lang>: Streamlit's page says lang="en", so a screen reader would read the Hindi
//    pages with an English voice (WCAG 3.1.1).
// 2. The few words Streamlit draws itself and offers no way to change: the upload field's
//    button, its size line, the accessible names of its input and of a help icon, and a text
//    field's "Press Enter to apply". They
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

function apply(words) {
  const english = words === null;
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
  for (const input of document.querySelectorAll('[data-testid="stFileUploaderDropzoneInput"]')) {
    swap(input, english ? same : (v) => (v === "file upload" ? words.input : null), "aria-label");
  }
  for (const button of document.querySelectorAll('button[aria-label^="Help for "]')) {
    swap(button, english ? same : (v) =>
      v.startsWith("Help for ") ? words.help.replace("{label}", v.slice(9)) : null, "aria-label");
  }
}

export default function ({ data }) {
  document.documentElement.lang = data.lang;
  const state = (window[STATE] ??= { words: null, observer: null });
  state.words = data.words ?? null;
  if (state.observer === null) {
    // Streamlit redraws these elements (a new widget, a rerun): apply the words again.
    state.observer = new MutationObserver(() => apply(state.words));
    state.observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  }
  apply(state.words);
}
