"""Text contrast measured in the page from computed styles (WCAG 2 ratios), and the theme
switch the contrast tests use."""

from __future__ import annotations

from typing import Any

# Every visible element under ``root`` holding text of its own (or a form field showing a
# value): [text, ratio, selector hint]. Colours with alpha are blended over the backgrounds
# behind them, as the eye sees them; disabled controls are left out, as WCAG does.
TEXT_CONTRAST = """(root) => {
  const parse = (c) => {
    const v = (c.match(/[\\d.]+/g) || []).map(Number);
    if (c.startsWith('color(')) {
      return [v[0] * 255, v[1] * 255, v[2] * 255, v.length > 3 ? v[3] : 1];
    }
    return v.length === 3 ? [...v, 1] : v;
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat(1);
  };
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1 && r.right > 0 && r.left >= 0 &&
      getComputedStyle(el).visibility === 'visible';
  };
  const own = (el) => [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  const field = (el) =>
    el.matches('select, textarea, input:not([type=checkbox]):not([type=radio])') && el.value;
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    if (el.matches('option, script, style') || el.closest(':disabled') || !shown(el)) continue;
    if (!own(el) && !field(el)) continue;
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const a = lum(fg), b = lum(bg);
    const text = (own(el) ? el.textContent : el.value).trim().slice(0, 40);
    out.push([text, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), el.className || el.tagName]);
  }
  return out;
}"""


# The pieces of the narrower contrast checks some tests make of their own (each over its own
# selectors): colours parsed, the first opaque background up the tree (no blending), and the
# WCAG 2 ratio of an element's text colour over it. Put inside a script's function body.
SOLID_RATIO_JS = """
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lin = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const ratio = (el) => {
    const a = lum(parse(getComputedStyle(el).color)), b = lum(background(el));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
"""


def low_contrast(locator: Any, minimum: float = 4.5) -> tuple[list[Any], int]:
    """The texts under ``locator`` below ``minimum`` (text, ratio, class), and how many texts
    were measured."""
    ratios = locator.evaluate(TEXT_CONTRAST)
    return [(t, round(r, 2), c) for t, r, c in ratios if r < minimum], len(ratios)


def switch_theme(page: Any, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.click()
    page.locator(".lm-Menu-itemLabel", has_text=name).first.click()
    page.wait_for_function(f"() => document.body.dataset.jpThemeName === {name!r}",
                           timeout=20_000)
