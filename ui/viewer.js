// The Image page's picture with Previous / Next (ui/viewer.py). Every text from the data is
// set with textContent or as a property, never parsed as HTML.
//
// A run sends the current image and its neighbours in the view; the neighbours' pictures are
// decoded at once, off screen. Previous / Next swap in a neighbour held that way, then tell
// the server which step was taken from which image (a trigger value); its run draws the rest
// of the page for the new image and sends the new neighbours. A neighbour not held yet (a
// second click before that run arrived) is asked of the server, the same way. Each step has
// an id, which the run that answers it sends back.
const PICTURES = new Map(); // "source|name" -> {src, no_picture, img}: the latest KEEP
const KEEP = 8;
const STATE = new WeakMap(); // per viewer: what it shows and what was asked
let STEPS = 0; // steps taken on this page: a step's id

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
};

// The entry of a picture sent in this run (kept, and decoded now), or the one held from an
// earlier run; null when the browser has neither.
function hold(source, p) {
  if (!p) return null;
  const key = source + "|" + p.name;
  let got = PICTURES.get(key);
  if (p.src || p.no_picture) {
    if (!got || got.src !== p.src || got.no_picture !== p.no_picture) {
      got = { src: p.src, no_picture: p.no_picture, img: null };
    }
  } else if (!got || !p.held) {
    return null;
  }
  PICTURES.delete(key);
  PICTURES.set(key, got);
  while (PICTURES.size > KEEP) PICTURES.delete(PICTURES.keys().next().value);
  if (got.src && !got.img) {
    got.img = el("img");
    got.img.decoding = "async";
    got.img.src = got.src;
    got.img.decode().catch(() => {});
  }
  return { ...p, ...got };
}

// A step still unanswered after this long is given up: the next run is shown whatever it is.
const stale = (asked) => performance.now() - asked.at >= 5000;

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".imlr-viewer");
  const nav = root.querySelector("nav.steps");
  const [prevButton, nextButton] = [nav.querySelector(".prev"), nav.querySelector(".next")];
  let mem = STATE.get(parentElement);
  if (!mem) {
    mem = { shown: null, asked: null };
    STATE.set(parentElement, mem);
  }
  const text = data.text;

  function show(entry, position) {
    const box = root.querySelector(".picture");
    if (mem.shown !== entry.name + "|" + (entry.src || entry.no_picture)) {
      mem.shown = entry.name + "|" + (entry.src || entry.no_picture);
      if (entry.img) {
        entry.img.alt = entry.alt;
        box.replaceChildren(entry.img);
      } else {
        box.replaceChildren(el("p", "no-picture", entry.no_picture));
      }
    }
    root.querySelector("figcaption").textContent = entry.caption || "";
    mem.name = entry.name;
    mem.position = position;
    nav.hidden = position === null;
    root.querySelector(".outside").hidden = position !== null;
    root.querySelector(".outside").textContent = text.outside;
    if (position === null) return;
    const n = (k) => k.toLocaleString("en-US");
    nav.querySelector(".where").textContent = text.where
      .replace("{k}", n(position + 1))
      .replace("{n}", n(data.total));
    prevButton.disabled = position <= 0;
    nextButton.disabled = position + 1 >= data.total;
  }

  // The server is asked for an image the browser does not hold (not answered yet).
  const waiting = () => mem.asked && mem.asked.name === null && !stale(mem.asked);

  function go(step) {
    // A step taken while the server is asked for an image the browser does not hold adds to
    // that one: both are taken from the image shown before it (the server sums them).
    const on = waiting() ? mem.asked : null;
    const from = on ? on.from : mem.name;
    const steps = on ? on.step + step : step;
    const target = on ? null : step < 0 ? mem.prev : mem.next;
    const id = `${++STEPS}-${Date.now()}`;
    const name = target ? target.name : null;
    const asked = { from, step: steps, id, at: performance.now(), name };
    mem.asked = asked;
    const tell = () => setTriggerValue("go", { from, step: steps, id });
    // A call that reaches the server while its run for an earlier one is under way can be
    // dropped by Streamlit: until the run that answers it arrives, the call is repeated (a step
    // from a named image lands on the same image however often it is taken).
    const again = (tries) => {
      if (mem.asked !== asked || tries === 0) return;
      tell();
      setTimeout(() => again(tries - 1), 1500);
    };
    setTimeout(() => again(3), 1500);
    if (!target) {
      root.setAttribute("aria-busy", "true");
      tell();
      return;
    }
    // Shown now; the neighbours of the new image come with the server's run.
    [mem.prev, mem.next] = step < 0 ? [null, mem.current] : [mem.current, null];
    mem.current = target;
    delete root.dataset.ready;
    show(target, mem.position + step);
    // The server hears of it after the new picture is painted, so its run does not compete.
    requestAnimationFrame(() => setTimeout(() => mem.asked === asked && tell(), 0));
  }

  prevButton.textContent = text.previous;
  nextButton.textContent = text.next;
  prevButton.onclick = () => go(-1);
  nextButton.onclick = () => go(1);
  // ← and → step too, when the keyboard is not busy elsewhere (nothing focused, or the
  // viewer itself): never while typing in a field or moving in a table. Once per viewer; it
  // goes when the viewer has left the page.
  // The buttons say where the image shown can go; while the server is asked for another, a
  // key's step adds to that one whatever they say (a step past an end lands on the end).
  mem.step = (step) => {
    if (!(step < 0 ? prevButton : nextButton).disabled || waiting()) go(step);
  };
  if (!mem.keys) {
    const host = parentElement.host || parentElement;
    mem.keys = (event) => {
      if (!root.isConnected) return document.removeEventListener("keydown", mem.keys);
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const active = document.activeElement;
      if (active && active !== document.body && active !== host) return;
      const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
      if (!step || nav.hidden) return;
      event.preventDefault();
      mem.step(step);
    };
    document.addEventListener("keydown", mem.keys);
  }

  delete root.dataset.ready;
  const current = hold(data.source, data.current);
  const prev = hold(data.source, data.prev);
  const next = hold(data.source, data.next);
  root.removeAttribute("aria-busy");
  if (!current) return; // never: the current image is always sent
  // While a step is on its way, only the run that answers it (the server sends back the
  // step's id) is shown: an earlier run only leaves its pictures held.
  if (mem.asked && !stale(mem.asked) && data.answered !== mem.asked.id) return;
  mem.asked = null;
  [mem.current, mem.prev, mem.next] = [current, prev, next];
  show(current, data.position);
  // Which neighbours are ready to swap in (for whoever waits on it: the tests).
  const ready = [["prev", prev], ["next", next]].filter(([, p]) => p);
  Promise.all(ready.map(([, p]) => (p.img ? p.img.decode().catch(() => {}) : null))).then(() => {
    if (mem.current === current) root.dataset.ready = ready.map(([side]) => side).join(" ");
  });
}
