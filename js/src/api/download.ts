/**
 * Saving a text made in the page (a CSV export) as a file of the user's.
 */

/** Offer `text` as a download named `filename`. */
export function downloadText(
  filename: string,
  text: string,
  type = 'text/csv'
): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has read the blob once the click's navigation started.
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}
