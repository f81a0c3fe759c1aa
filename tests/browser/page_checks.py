"""Checks that browser tests run inside a page: text contrast (WCAG) and text boxes that overlap.

Both are JavaScript functions for page.evaluate, computed from what the browser has laid out and painted
(computed colours, opacity, bounding boxes), not from our own idea of the styles.
"""

from __future__ import annotations

# Every visible text (an element with a text node of its own, or an SVG <text>) whose contrast against the
# background behind it is below `least` (WCAG 2: (L1 + 0.05) / (L2 + 0.05) of relative luminances).
# The background is what is painted under the text's middle, the see-through layers blended; the text's colour is blended by its alpha and every ancestor's opacity (opacity on a
# parent counts). An SVG text is judged against its chart's
# paper, or, for text written on a heatmap cell, against the colour of that cell (read from the canvas
# image plotly draws), so the numbers written in grids count too; a value inside its bar or a hover label is
# judged against its bar's or its box's fill.
LOW_CONTRAST = """async ([least, scope]) => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const opacity = el => { let o = 1; for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; };
  // What is painted behind the middle of `el`: the elements under that point (a label drawn outside its
  // parent's box, such as a slider's value above the thumb, is judged against what is really behind it);
  // the element's ancestors when the point is outside the window.
  const background = el => {
    const box = el.getBoundingClientRect();
    const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
    const inView = x >= 0 && y >= 0 && x < innerWidth && y < innerHeight;
    // elementsFromPoint also returns every ancestor of what it hits, whether or not its own box is under the
    // point: only boxes that really cover the point are behind the text.
    const covers = e => { const r = e.getBoundingClientRect(); return x >= r.left && x <= r.right && y >= r.top && y <= r.bottom; };
    const under = inView ? document.elementsFromPoint(x, y).filter(e => e !== el && !el.contains(e) && covers(e)) : [];
    const chain = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) if (e === el || covers(e)) chain.push(e);
    const layers = [];
    for (const e of (inView ? [el, ...under] : chain)) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { layers.push([c[0], c[1], c[2], c[3] * opacity(e)]); if (c[3] >= 1 && opacity(e) >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  // Disabled controls are exempt (WCAG 1.4.3), and so are icons drawn from an icon font (their "text" is
  // a ligature name; icons need 3:1 as graphics, WCAG 1.4.11).
  const disabled = el => !!el.closest('[disabled], [aria-disabled="true"], [data-disabled="true"], [data-testid="stIconMaterial"]');
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.fontSize) > 0; };
  const root = document.querySelector(scope) || document.body;
  const found = [];
  for (const el of root.querySelectorAll('*')) {
    if (el.namespaceURI === 'http://www.w3.org/2000/svg') continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el) || disabled(el) || opacity(el) < 0.05) continue;  // faded out entirely: not shown
    const s = getComputedStyle(el);
    const fg = parse(s.color); if (!fg) continue;
    const bg = background(el);
    const shown = over([fg[0], fg[1], fg[2], fg[3] * opacity(el)], bg);
    const r = ratio(shown, bg);
    if (r < least) found.push({text: el.innerText.trim().slice(0, 50), ratio: Math.round(r * 100) / 100,
                               color: s.color, background: `rgb(${bg.slice(0, 3).map(Math.round)})`});
  }
  // Chart texts: titles, labels and annotations on the paper, numbers on heatmap cells.
  for (const plot of root.querySelectorAll('.js-plotly-plot')) {
    const paper = parse(getComputedStyle(plot).backgroundColor) || [255, 255, 255, 1];
    const paperBg = over(paper[3] > 0 ? paper : [255, 255, 255, 1], background(plot));
    const canvases = [];
    for (const img of plot.querySelectorAll('image')) {
      const pic = new Image();
      pic.src = img.getAttribute('href') || img.getAttribute('xlink:href');
      try { await pic.decode(); } catch (e) { continue; }
      const c = document.createElement('canvas');
      c.width = pic.naturalWidth; c.height = pic.naturalHeight;
      c.getContext('2d').drawImage(pic, 0, 0);
      canvases.push({c, box: img.getBoundingClientRect()});
    }
    for (const text of plot.querySelectorAll('text')) {
      if (!text.textContent.trim() || !visible(text)) continue;
      const box = text.getBoundingClientRect();
      const [x, y] = [box.left + box.width / 2, box.top + box.height / 2];
      let bg = paperBg;
      for (const pic of canvases) {
        if (!pic.c.width || x < pic.box.left || x > pic.box.right || y < pic.box.top || y > pic.box.bottom) continue;
        const px = pic.c.getContext('2d').getImageData(Math.floor((x - pic.box.left) / pic.box.width * pic.c.width),
                                                        Math.floor((y - pic.box.top) / pic.box.height * pic.c.height), 1, 1).data;
        if (px[3] > 0) bg = over([px[0], px[1], px[2], px[3] / 255], bg);
      }
      // A text drawn on its own shape (a value inside its bar, a hover label on its box): that shape's fill,
      // when the shape is under the text's middle (a value written above its bar is on the paper).
      const holder = text.closest('g.point, g.hovertext');
      const shape = holder && holder.querySelector(':scope > path');
      if (shape) {
        const r = shape.getBoundingClientRect(), f = parse(getComputedStyle(shape).fill);
        if (f && x >= r.left && x <= r.right && y >= r.top && y <= r.bottom)
          bg = over([f[0], f[1], f[2], f[3] * parseFloat(getComputedStyle(shape).fillOpacity || 1)], bg);
      }
      const s = getComputedStyle(text);
      const fill = parse(s.fill) || parse(text.style.fill || '') || [0, 0, 0, 1];
      const shown = over([fill[0], fill[1], fill[2], fill[3] * parseFloat(s.fillOpacity || 1) * opacity(text.parentElement)], bg);
      const r = ratio(shown, bg);
      if (r < least) found.push({text: 'chart: ' + text.textContent.trim().slice(0, 40), ratio: Math.round(r * 100) / 100,
                                 color: s.fill, background: `rgb(${bg.slice(0, 3).map(Math.round)})`});
    }
  }
  return found;
}"""

# Pairs of visible texts inside `scope` whose boxes overlap by more than `slack` px in both directions
# (HTML text elements and chart <text>s alike; whitespace-only texts do not count).
OVERLAPPING_TEXT = """([scope, slack]) => {
  const boxes = [];
  for (const root of document.querySelectorAll(scope)) {
    for (const el of root.querySelectorAll('*')) {
      const svg = el.namespaceURI === 'http://www.w3.org/2000/svg';
      if (svg ? el.tagName !== 'text' : ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
      if (!el.textContent.trim()) continue;
      let box;
      if (svg) box = el.getBoundingClientRect();
      else { const range = document.createRange(); range.selectNodeContents(el); box = range.getBoundingClientRect(); }
      if (box.width > 0 && box.height > 0) boxes.push({text: el.textContent.trim().slice(0, 30), box});
    }
  }
  const pairs = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i].box, b = boxes[j].box;
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left), h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > slack && h > slack && !boxes[i].text.includes(boxes[j].text) && !boxes[j].text.includes(boxes[i].text))
      pairs.push([boxes[i].text, boxes[j].text]);
  }
  return pairs;
}"""

# Text cut off by a box it overflows: an element with a text of its own whose text reaches past the edge of
# an ancestor that clips (overflow other than visible), e.g. a radio option "사인파" shown as "사", a toggle
# label cut after "(Keras". [text, how far past the edge in px] for each; `scope` selects where to look.
CLIPPED_TEXT = """(scope) => {
  const found = [];
  const root = document.querySelector(scope) || document.body;
  for (const el of root.querySelectorAll('*')) {
    if (el.namespaceURI === 'http://www.w3.org/2000/svg') continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.closest('.katex-mathml')) continue;  // KaTeX's copy for screen readers, hidden on purpose
    const range = document.createRange(); range.selectNodeContents(el);
    const text = range.getBoundingClientRect();
    if (!text.width || !text.height) continue;
    for (let a = el; a && a !== root.parentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      // Cut: past a box that clips, or sideways out of a box that scrolls (a row of options nobody scrolls);
      // below a box that scrolls down (the page itself) is only further down.
      const clips = v => v === 'hidden' || v === 'clip';
      const scrolls = v => v === 'auto' || v === 'scroll';
      if (!clips(s.overflowX) && !clips(s.overflowY) && !scrolls(s.overflowX)) continue;
      const box = a.getBoundingClientRect();
      if (box.width <= 2 || box.height <= 2) break;  // a visually hidden label for screen readers
      const past = Math.max(clips(s.overflowX) || scrolls(s.overflowX) ? Math.max(text.right - box.right, box.left - text.left) : 0,
                            clips(s.overflowY) ? text.bottom - box.bottom - 2 : 0);
      if (past > 2) { found.push([el.textContent.trim().slice(0, 40), Math.round(past)]); break; }
    }
  }
  return found;
}"""
