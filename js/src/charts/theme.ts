/**
 * Following JupyterLab's theme from components that paint with computed
 * colours (canvas charts): the body's `data-jp-theme-name` changes once a new
 * theme's CSS is in place.
 */
import * as React from 'react';

/** A CSS variable's current value on the body, or `fallback`. */
export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** The current theme's name; re-renders the component when it changes. */
export function useThemeName(): string {
  const read = () => document.body.dataset.jpThemeName ?? '';
  const [name, setName] = React.useState(read);
  React.useEffect(() => {
    const observer = new MutationObserver(() => {
      // The variables are read in the next frame, after the new sheet applies.
      requestAnimationFrame(() => setName(read()));
    });
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => observer.disconnect();
  }, []);
  return name;
}
