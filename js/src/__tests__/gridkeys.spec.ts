/**
 * Where the runs table's keys move the Tab stop: rows by arrows, Home, End
 * and pages, the header above the first row, and the scroll that shows a row.
 */
import { nextColumn, nextSlot, scrollToShow } from '../runs/gridkeys';

describe('moving between rows', () => {
  it('steps by arrows and jumps by Home, End and pages, within the rows', () => {
    expect(nextSlot('ArrowDown', 0, 5, 3)).toBe(1);
    expect(nextSlot('ArrowDown', 4, 5, 3)).toBe(4);
    expect(nextSlot('ArrowUp', 0, 5, 3)).toBe(-1); // the header row
    expect(nextSlot('Home', 3, 5, 3)).toBe(0);
    expect(nextSlot('End', 0, 5, 3)).toBe(4);
    expect(nextSlot('PageDown', 0, 50, 10)).toBe(9);
    expect(nextSlot('PageDown', 45, 50, 10)).toBe(49);
    expect(nextSlot('PageUp', 5, 50, 10)).toBe(0);
  });

  it('leaves other keys, and an empty list, to the row', () => {
    expect(nextSlot('Enter', 2, 5, 3)).toBeNull();
    expect(nextSlot(' ', 2, 5, 3)).toBeNull();
    expect(nextSlot('ArrowDown', 0, 0, 3)).toBeNull();
  });

  it('moves between header cells by Left, Right, Home and End', () => {
    expect(nextColumn('ArrowRight', 0, 4)).toBe(1);
    expect(nextColumn('ArrowRight', 3, 4)).toBe(3);
    expect(nextColumn('ArrowLeft', 0, 4)).toBe(0);
    expect(nextColumn('End', 0, 4)).toBe(3);
    expect(nextColumn('ArrowDown', 0, 4)).toBeNull();
  });

  it('scrolls only as far as shows the row under the sticky header', () => {
    expect(scrollToShow(100, 46, 0, 500, 22)).toBe(0);
    expect(scrollToShow(40, 46, 200, 500, 22)).toBe(40);
    expect(scrollToShow(600, 46, 0, 500, 22)).toBe(168);
  });
});
