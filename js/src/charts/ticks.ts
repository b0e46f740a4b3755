/**
 * Tick labels that are distinct, readable and short: the fewest significant
 * digits that tell every tick apart, thousands and millions as k and M, very
 * small or very large values in exponent form. uPlot's own labels take their
 * decimals from the tick spacing, which on a log axis wrote "0.01, 0, 0, 0".
 */

const SUFFIXES: [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k']
];

/** `value` with `digits` significant digits, without trailing zeros. */
function trimmed(value: number, digits: number): string {
  return String(Number(value.toPrecision(digits)));
}

/** One label with `digits` significant digits. */
export function tickLabel(value: number, digits: number): string {
  if (!isFinite(value)) {
    return String(value);
  }
  if (value === 0) {
    return '0';
  }
  const abs = Math.abs(value);
  if (abs >= 1e15 || abs < 1e-4) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split('e');
    return `${String(Number(mantissa))}e${Number(exponent)}`;
  }
  for (const [scale, suffix] of SUFFIXES) {
    if (abs >= scale) {
      return trimmed(value / scale, digits) + suffix;
    }
  }
  return trimmed(value, digits);
}

/**
 * Labels for `values`, with as few digits as tell them apart and keep each
 * within a thousandth of the tick spacing (1.5M is never written 2M).
 */
export function tickLabels(values: (number | null)[]): string[] {
  // uPlot passes null for the ticks a log axis leaves unlabelled.
  const numbers = values.filter((v): v is number => v !== null && isFinite(v));
  const finite = [...new Set(numbers)].sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < finite.length; i++) {
    gap = Math.min(gap, finite[i] - finite[i - 1]);
  }
  if (!isFinite(gap)) {
    gap = Math.abs(finite[0] ?? 1) || 1;
  }
  const exact = (digits: number) =>
    finite.every(
      v => Math.abs(Number(v.toPrecision(digits)) - v) <= gap * 1e-3
    );
  let digits = 1;
  while (digits < 15 && !exact(digits)) {
    digits++;
  }
  return values.map(v => (v === null ? '' : tickLabel(v, digits)));
}

/** Width (css pixels) an axis needs for `labels` drawn in an 11px font. */
export function axisWidth(labels: string[]): number {
  const longest = labels.reduce((n, label) => Math.max(n, label.length), 0);
  return Math.max(32, Math.ceil(longest * 6.6) + 16);
}
