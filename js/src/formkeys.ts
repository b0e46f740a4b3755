/**
 * Enter commits a tag in the run form's tags controls. ipywidgets' TagsInput
 * adds a tag on its input's `change` event, which Chromium does not fire on
 * Enter for that input (it has a datalist of suggestions) inside a JupyterLab
 * output area; the tag then waited for the input to lose focus. This listener
 * fires the `change` itself, for the nbrun form's tag inputs only.
 */
import { DisposableDelegate, IDisposable } from '@lumino/disposable';

const TAG_INPUT = '.nbrun-form input.jupyter-widget-taginput';

export function installTagsEnter(): IDisposable {
  const listener = (event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (
      event.key !== 'Enter' ||
      event.shiftKey ||
      event.ctrlKey ||
      event.altKey ||
      event.metaKey ||
      event.isComposing ||
      !(target instanceof HTMLInputElement) ||
      !target.matches(TAG_INPUT)
    ) {
      return;
    }
    // Not a notebook shortcut either: Enter belongs to the tag being typed.
    event.preventDefault();
    event.stopPropagation();
    if (target.value.trim()) {
      target.dispatchEvent(new Event('change', { bubbles: true }));
    }
  };
  document.addEventListener('keydown', listener, true);
  return new DisposableDelegate(() =>
    document.removeEventListener('keydown', listener, true)
  );
}
