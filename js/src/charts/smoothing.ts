/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the
 * first points are not pulled towards zero. Gaps (null) stay gaps.
 */
export function ema(
  values: (number | null)[],
  weight: number
): (number | null)[] {
  if (!(weight > 0)) {
    return values;
  }
  let last = 0;
  let debias = 0;
  return values.map(v => {
    if (v === null || !isFinite(v)) {
      return null;
    }
    last = last * weight + (1 - weight) * v;
    debias = debias * weight + (1 - weight);
    return last / debias;
  });
}

/** Values a log scale can draw: the non-positive ones become gaps. */
export function positiveOnly(values: (number | null)[]): (number | null)[] {
  return values.map(v => (v !== null && v > 0 ? v : null));
}
