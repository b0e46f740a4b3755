// One of a few options as toggle buttons: a group named by the field's label, each button
// saying whether it is pressed, and one Tab stop for the group (Left/Right/Home/End move
// between the buttons, Space or Enter presses one).
let counter = 0;

function render({ model, el }) {
  const id = `nbrun-choice-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("nbrun-choice-field");
  const label = document.createElement("span");
  label.className = "widget-label nbrun-choice-label";
  label.id = `${id}-label`;
  const group = document.createElement("div");
  group.className = "nbrun-choice-buttons";
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", label.id);
  el.append(label, group);

  const buttons = () => [...group.querySelectorAll("button")];
  const choose = (option) => {
    model.set("value", option);
    model.save_changes();
  };
  group.addEventListener("keydown", (event) => {
    const all = buttons();
    const at = all.indexOf(document.activeElement);
    if (at < 0) return;
    const to = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1,
                 Home: 0, End: all.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    event.stopPropagation();  // not the notebook's cell navigation
    const next = all[Math.max(0, Math.min(all.length - 1, to))];
    for (const b of all) b.tabIndex = b === next ? 0 : -1;
    next.focus();
  });

  const draw = () => {
    label.textContent = model.get("description");
    label.title = model.get("tooltip") || model.get("description");
    const value = model.get("value");
    const focused = group.contains(document.activeElement)
      ? buttons().indexOf(document.activeElement) : -1;
    const options = model.get("options") || [];
    const pressed = options.includes(value) ? options.indexOf(value) : 0;
    group.replaceChildren(...options.map((option, index) => {
      const button = document.createElement("button");
      button.type = "button";
      const on = option === value;
      button.className = `jupyter-button widget-toggle-button${on ? " mod-active" : ""}`;
      button.textContent = option;
      button.setAttribute("aria-pressed", String(on));
      button.tabIndex = index === pressed ? 0 : -1;
      button.addEventListener("click", () => choose(option));
      return button;
    }));
    if (focused >= 0) buttons()[Math.min(focused, options.length - 1)]?.focus();
  };
  for (const trait of ["value", "options", "description", "tooltip"]) {
    model.on(`change:${trait}`, draw);
  }
  draw();
}

export default { render };
