// A list of tags a keyboard can edit: the text input stays a Tab stop whatever the tags,
// each tag's remove button is a Tab stop named for its tag, and the input is named by the
// field's visible label. Enter, a comma or leaving the input adds what was typed.
let counter = 0;

function render({ model, el }) {
  const id = `nbrun-tags-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("nbrun-tags-field");
  const label = document.createElement("label");
  label.className = "widget-label nbrun-tags-label";
  label.htmlFor = `${id}-input`;
  label.id = `${id}-label`;
  const group = document.createElement("div");
  group.className = "nbrun-tags-box";
  group.setAttribute("role", "group");
  group.setAttribute("aria-labelledby", label.id);
  const chips = document.createElement("span");
  chips.className = "nbrun-tags-chips";
  const input = document.createElement("input");
  input.type = "text";
  input.id = `${id}-input`;
  input.className = "nbrun-tags-input";
  input.setAttribute("list", `${id}-list`);
  input.setAttribute("aria-describedby", `${id}-note`);
  const list = document.createElement("datalist");
  list.id = `${id}-list`;
  const note = document.createElement("span");
  note.id = `${id}-note`;
  note.className = "nbrun-tags-note";
  note.setAttribute("aria-live", "polite");
  group.append(chips, input, list, note);
  el.append(label, group);

  const tags = () => model.get("value") || [];
  const save = (value) => {
    model.set("value", value);
    model.save_changes();
  };
  const add = () => {
    const typed = input.value.split(",").map((t) => t.trim()).filter(Boolean);
    if (!typed.length) return true;
    const allowed = model.get("allowed_tags") || [];
    const refused = allowed.length ? typed.filter((t) => !allowed.includes(t)) : [];
    if (refused.length) {
      // The text stays, marked, with what is accepted.
      input.setAttribute("aria-invalid", "true");
      note.textContent = `${refused.join(", ")}: not one of ${allowed.join(", ")}`;
      return false;
    }
    const value = [...tags()];
    for (const tag of typed) if (!value.includes(tag)) value.push(tag);
    input.value = "";
    input.removeAttribute("aria-invalid");
    note.textContent = "";
    save(value);
    return true;
  };
  const remove = (tag, index) => {
    save(tags().filter((t) => t !== tag));
    // Focus goes to the next tag's button, or to the input after the last one.
    requestAnimationFrame(() => {
      const buttons = chips.querySelectorAll("button");
      (buttons[Math.min(index, buttons.length - 1)] || input).focus();
    });
  };

  input.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "Enter" || event.key === ",") {
      // Enter belongs to the tag being typed, not to the notebook's shortcuts.
      event.preventDefault();
      event.stopPropagation();
      add();
    } else if (event.key === "Backspace" && !input.value) {
      chips.querySelector("button:last-of-type")?.focus();
    }
  });
  input.addEventListener("blur", () => add());

  const draw = () => {
    const name = model.get("description");
    label.textContent = name;
    label.title = model.get("tooltip") || name;
    input.placeholder = model.get("placeholder");
    chips.replaceChildren(...tags().map((tag, index) => {
      const chip = document.createElement("span");
      chip.className = "nbrun-tag-chip";
      const text = document.createElement("span");
      text.className = "nbrun-tag-text";
      text.textContent = tag;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "nbrun-tag-remove";
      button.textContent = "\u00d7";
      button.setAttribute("aria-label", `Remove ${tag} from ${name}`);
      button.title = `Remove ${tag}`;
      button.addEventListener("click", () => remove(tag, index));
      button.addEventListener("keydown", (event) => {
        if (event.key === "Delete" || event.key === "Backspace") {
          event.preventDefault();
          remove(tag, index);
        }
      });
      chip.append(text, button);
      return chip;
    }));
    list.replaceChildren(...(model.get("allowed_tags") || []).map((tag) => {
      const option = document.createElement("option");
      option.value = tag;
      return option;
    }));
  };
  for (const trait of ["value", "allowed_tags", "description", "tooltip", "placeholder"]) {
    model.on(`change:${trait}`, draw);
  }
  draw();
}

export default { render };
