// The image grid (ui/grid.py): one element for a whole page of tiles.
// Every text from the data is set with textContent or as a property, never parsed as HTML.
//
// Paging (Browse): the page arrives with the previous and next pages' tiles when their
// thumbnails are ready; the grid builds those pages' tiles at once, off screen, and has their
// pictures decoded while the current page is looked at. Its own Previous / Next buttons then
// only swap in a page it holds, and tell the server (a trigger value), whose rerun sends the
// same tiles back (not redrawn) and the pages around the new one. Pages already seen in this
// view are kept too (their tiles; their built elements for the pages next to the current one).
const MEMORY = new WeakMap(); // per grid: {view, pages: Map(page -> entry), shown, ...}
// A page asked for and still not shown after this long is given up: the next run is shown.
const stale = (asked) => performance.now() - asked.at >= 5000;
const KEEP_PAGES = 24; // pages held per view (their data: about 0.7 MB each at 48 a page)
const KEEP_BUILT = 2; // pages either side of the current one whose elements stay built
// The grid's own words, in the page's language (data.text, from ui/grid.py).
let TEXT = {
  details: "Details",
  previous: "← Previous page",
  next: "Next page →",
  goto: "Go to page",
  size: "Per page",
  where: "Page {page} of {pages}",
};
const where = (page, pages) =>
  TEXT.where.replace("{page}", String(page)).replace("{pages}", String(pages));

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
};

function chips(items) {
  const p = el("p", "chips");
  for (const c of items) {
    const chip = el("span", (c.folded ? "more k-" : "chip k-") + c.kind, c.text);
    if (c.title) chip.title = c.title;
    p.append(chip, " ");
  }
  return p;
}

// A file name that wraps after its underscores, never inside a word: <wbr> marks where it may
// break and adds nothing to what a reader copies.
function fileName(name) {
  const p = el("p", "file");
  name.split(/(?<=_)/).forEach((part, i) => {
    if (i) p.append(document.createElement("wbr"));
    p.append(part);
  });
  return p;
}

function tile(t, open) {
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
  li.append(original, fileName(t.name), chips(t.labels));
  if (t.real && t.real.length) li.append(chips(t.real));
  if (t.flags.length) li.append(chips(t.flags));
  const a = el("a", "details", TEXT.details);
  a.href = t.href;
  a.setAttribute("aria-label", TEXT.details + ": " + t.name);
  a.addEventListener("click", open(t.name));
  li.append(a);
  return li;
}

// A page's tile elements, built once: a held page is shown by putting these in place, their
// pictures already decoded (decode() works on elements not yet in the document).
function built(entry, open) {
  if (!entry.nodes) {
    entry.nodes = entry.tiles.map((t) => tile(t, open));
    for (const img of entry.nodes.flatMap((li) => [...li.querySelectorAll("img")])) {
      img.decode().catch(() => {});
    }
  }
  return entry.nodes;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (data.text) TEXT = { ...TEXT, ...data.text };
  const root = parentElement.querySelector(".imlr");
  const list = root.querySelector("ul.imlr-grid");
  let mem = MEMORY.get(parentElement);
  if (!mem) {
    mem = { view: null, pages: new Map(), shown: null, count: 0, page: 0, asked: null };
    MEMORY.set(parentElement, mem);
  }
  // Tiles built in an earlier run call the trigger of the latest one.
  mem.trigger = setTriggerValue;
  // The Details link is an ordinary link (a new tab, a copied address, a middle click all
  // work); a plain click stays in this session, so uploaded models are still loaded.
  const open = (name) => (event) => {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    mem.trigger("open", name);
  };
  // The entry for a page's tiles: the one held when they are the same (its elements kept).
  const hold = (page, tiles) => {
    const sig = JSON.stringify(tiles);
    const held = mem.pages.get(page);
    if (held && held.sig === sig) return held;
    const entry = { tiles, sig, nodes: null };
    mem.pages.set(page, entry);
    return entry;
  };
  const navs = [...root.querySelectorAll("nav.imlr-pages")];

  function show(page, entry) {
    if (mem.shown !== entry.sig) {
      mem.shown = entry.sig;
      list.replaceChildren(...built(entry, open));
    }
    list.setAttribute("aria-label", page ? `${data.label}: ${where(page, mem.count)}` : data.label);
    for (const nav of navs) {
      nav.hidden = !page;
      if (!page) continue;
      nav.querySelector(".where").textContent = where(page, mem.count);
      nav.querySelector(".prev").textContent = TEXT.previous;
      nav.querySelector(".next").textContent = TEXT.next;
      for (const [cls, words] of [[".goto", TEXT.goto], [".size", TEXT.size]]) {
        const label = nav.querySelector(cls);
        if (label) label.firstChild.textContent = words + " ";
      }
      nav.querySelector(".prev").disabled = page <= 1;
      nav.querySelector(".next").disabled = page >= mem.count;
      const field = nav.querySelector(".goto input");
      if (field) {
        field.max = String(mem.count);
        // Not while someone is typing in it.
        if (!field.matches(":focus")) field.value = page;
      }
    }
    mem.page = page;
  }

  // The page the grid is on its way to: the one asked of the server and not yet shown (a
  // quick second Next steps on from it), else the one shown.
  const heading = () => (mem.asked && !stale(mem.asked) ? mem.asked.page : mem.page);

  function go(target, fromBottom) {
    if (target < 1 || target > mem.count) return;
    const held = mem.pages.get(target);
    mem.asked = { page: target, at: performance.now() };
    root.dataset.asking = String(target);
    mem.stamp = (mem.stamp || 0) + 1; // what is held around the new page comes with its run
    delete root.dataset.held;
    // A call that reaches the server while its run for the previous call is under way can
    // be dropped by Streamlit (seen about once in a few hundred quick clicks): until the
    // page asked for arrives, the call is repeated (setting the page is idempotent).
    const asked = mem.asked;
    const again = (tries) => {
      if (mem.asked !== asked || tries === 0) return;
      setTriggerValue("page", target);
      setTimeout(() => again(tries - 1), 1500);
    };
    setTimeout(() => again(3), 1500);
    if (!held) {
      root.setAttribute("aria-busy", "true");
      setTriggerValue("page", target);
      return;
    }
    show(target, held);
    if (fromBottom) root.scrollIntoView({ block: "start" });
    // The server hears of it after the new page is painted: its run (which sends the same
    // tiles back) would otherwise compete with the painting. A click meanwhile (Next again)
    // has asked for a newer page itself; this older one must not follow it.
    requestAnimationFrame(() =>
      setTimeout(() => {
        if (mem.asked && mem.asked.page === target) setTriggerValue("page", target);
      }, 0),
    );
  }

  list.style.setProperty("--columns", String(data.columns || 6));
  const paging = data.paging;
  const viewChanged = Boolean(paging) && mem.view !== paging.view;
  if (viewChanged) {
    mem.view = paging.view;
    mem.pages = new Map();
  }
  const tiles = data.tiles || [];
  const entry = paging ? hold(paging.page, tiles) : { tiles, sig: JSON.stringify(tiles) };
  if (paging) {
    mem.count = paging.pages;
    // The pages either side, when sent (the page shown just before is not: it is held).
    if (paging.next) hold(paging.page + 1, paging.next);
    if (paging.prev) hold(paging.page - 1, paging.prev);
    // Both neighbours, held either way, are built and decoded now, while this one is looked at.
    for (const p of [paging.page + 1, paging.page - 1]) {
      if (mem.pages.has(p)) built(mem.pages.get(p), open);
    }
    // Held: the KEEP_PAGES nearest pages; built: those within KEEP_BUILT.
    const far = [...mem.pages.keys()].sort(
      (a, b) => Math.abs(b - paging.page) - Math.abs(a - paging.page),
    );
    for (const p of far.slice(0, Math.max(0, mem.pages.size - KEEP_PAGES))) mem.pages.delete(p);
    for (const [p, held] of mem.pages) {
      if (Math.abs(p - paging.page) > KEEP_BUILT) held.nodes = null;
    }
    navs.forEach((nav, k) => {
      nav.querySelector(".prev").onclick = () => go(heading() - 1, k === 1);
      nav.querySelector(".next").onclick = () => go(heading() + 1, k === 1);
      // Go to page: the arrows (keys or spinner) move at once, a typed number on Enter or
      // when the field is left; anything else puts the shown page back.
      const field = nav.querySelector(".goto input");
      if (field) {
        field.onchange = () => {
          const target = Number(field.value);
          if (Number.isInteger(target) && target >= 1 && target <= mem.count) {
            // Enter may also fire the field's own change: one call per page asked for.
            const pending = mem.asked && mem.asked.page === target;
            if (target !== mem.page && !pending) go(target, false);
          } else {
            field.value = mem.page;
          }
        };
        field.onkeydown = (event) => {
          if (event.key === "Enter") field.onchange();
        };
      }
      const size = nav.querySelector(".size select");
      if (size) {
        // Built once: rebuilt while open, the list would close under the pointer.
        if (!size.options.length) {
          size.replaceChildren(...(paging.sizes || []).map((n) => el("option", null, String(n))));
        }
        size.value = String(paging.size);
        size.onchange = () => {
          root.setAttribute("aria-busy", "true");
          setTriggerValue("size", Number(size.value));
        };
      }
    });
  }
  root.removeAttribute("aria-busy");
  // For whoever waits on them (the tests): the page asked of the server and not yet shown,
  // and which pages either side are held with their pictures decoded.
  const marks = () => {
    if (mem.asked) root.dataset.asking = String(mem.asked.page);
    else delete root.dataset.asking;
  };
  if (paging) {
    const sides = [paging.page - 1, paging.page + 1].filter((p) => mem.pages.get(p)?.nodes);
    const pictures = sides.flatMap((p) =>
      mem.pages.get(p).nodes.flatMap((li) => [...li.querySelectorAll("img")]),
    );
    const stamp = (mem.stamp = (mem.stamp || 0) + 1);
    Promise.all(pictures.map((i) => i.decode().catch(() => {}))).then(() => {
      if (mem.stamp === stamp) root.dataset.held = sides.join(" ");
    });
  }
  // A run for an older page that arrives after the grid moved on (its own paging asked for
  // a newer one, which is on its way) is kept for later, not shown.
  if (paging && mem.asked) {
    if (paging.page !== mem.asked.page && !stale(mem.asked) && !viewChanged) return marks();
    mem.asked = null;
  }
  marks();
  show(paging ? paging.page : 0, entry);
}
