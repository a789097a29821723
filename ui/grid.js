// The image grid (ui/grid.py): one element for a whole page of tiles.
// Every text from the data is set with textContent or as a property, never parsed as HTML.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const list = parentElement.querySelector("ul.imlr-grid");
  // A rerun that sends the same tiles (another widget changed) keeps the pictures as they are.
  const signature = JSON.stringify(data);
  if (list.imlrSignature === signature) return;
  list.imlrSignature = signature;
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };
  // The Details link is an ordinary link (a new tab, a copied address, a middle click all
  // work); a plain click stays in this session, so uploaded models are still loaded.
  const open = (name) => (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    setTriggerValue("open", name);
  };
  const chips = (items) => {
    const p = el("p", "chips");
    for (const c of items) {
      const chip = el("span", (c.folded ? "more k-" : "chip k-") + c.kind, c.text);
      if (c.title) chip.title = c.title;
      p.append(chip, " ");
    }
    return p;
  };
  list.style.setProperty("--columns", String(data.columns || 6));
  list.setAttribute("aria-label", data.label || "Images");
  const items = (data.tiles || []).map((t) => {
    const li = el("li", "tile");
    if (t.heading) li.append(el("h4", "heading", t.heading));
    if (t.src) {
      const img = el("img");
      img.width = 192;
      img.height = 144;
      img.decoding = "async";
      img.alt = t.alt;
      img.src = t.src;
      img.addEventListener("click", open(t.name));
      li.append(img);
    } else {
      li.append(el("p", "no-picture", t.no_picture));
    }
    const original = el("p", "original", t.original);
    original.title = t.title;
    li.append(original, el("p", "file", t.name), chips(t.labels));
    if (t.flags.length) li.append(chips(t.flags));
    const a = el("a", "details", "Details");
    a.href = t.href;
    a.setAttribute("aria-label", "Details: " + t.name);
    a.addEventListener("click", open(t.name));
    li.append(a);
    return li;
  });
  list.replaceChildren(...items);
}
