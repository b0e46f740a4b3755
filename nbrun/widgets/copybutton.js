// Copies the model's text in the click itself (a user gesture, which the Clipboard API needs);
// where that API is refused (an insecure origin), a selected hidden textarea and execCommand.
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

function render({ model, el }) {
  const button = document.createElement("button");
  button.className = "jupyter-button widget-button nbrun-copy-button";
  const update = () => {
    button.textContent = model.get("description");
    button.title = model.get("tooltip");
    button.disabled = model.get("disabled");
  };
  button.addEventListener("click", async () => {
    const copied = await copy(model.get("text"));
    model.send({ type: "clicked", copied });
  });
  for (const trait of ["description", "tooltip", "disabled"]) model.on(`change:${trait}`, update);
  update();
  el.append(button);
}

export default { render };
