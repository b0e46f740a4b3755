// The click does the work in the page: copy (the Clipboard API needs a user gesture; where it
// is refused, a selected hidden textarea and execCommand), or insert a cell below this
// widget's cell (nbrun's lab extension takes the event and cancels it to say it did).
async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (_error) {
    const area = document.createElement("textarea");
    area.value = text;
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    let done = false;
    try { done = document.execCommand("copy"); } catch (_e) { done = false; }
    area.remove();
    return done;
  }
}

function insert(el, text) {
  const event = new CustomEvent("nbrun:insert-cell", {
    bubbles: true, cancelable: true, detail: { source: text },
  });
  return !el.dispatchEvent(event); // canceled: an extension wrote the cell
}

function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-button widget-button nbrun-action-button";
  const update = () => {
    button.textContent = model.get("description");
    button.title = model.get("tooltip");
    button.disabled = model.get("disabled");
  };
  const perform = async () => {
    const text = model.get("text");
    const done = model.get("action") === "insert" ? insert(el, text) : await copy(text);
    model.send({ type: "clicked", done });
  };
  button.addEventListener("click", perform);
  model.on("msg:custom", (msg) => { if (msg && msg.type === "perform") perform(); });
  for (const trait of ["description", "tooltip", "disabled"]) model.on(`change:${trait}`, update);
  update();
  el.append(button);
}

export default { render };
