/**
 * The charts' saved views read back from JupyterLab's state database: only
 * well-typed fields are kept, so a value written by another version (or by
 * hand) never breaks a chart.
 */
import {
  chartsProject,
  readChartView,
  readSavedCharts
} from '../charts/savedcharts';

describe('readSavedCharts', () => {
  it('keeps each project’s keys and view', () => {
    const saved = {
      vision: {
        keys: ['loss', 'acc'],
        view: { smoothing: 0.6, logY: true, xAxis: 'wall' }
      },
      '': { keys: ['loss'] }
    };
    expect(readSavedCharts(saved)).toEqual(saved);
  });

  it('drops what is not of its type', () => {
    expect(readSavedCharts(null)).toEqual({});
    expect(readSavedCharts(['x'])).toEqual({});
    expect(
      readSavedCharts({
        a: 'text',
        b: { keys: ['ok', 3, null], view: 'smooth' }
      })
    ).toEqual({ b: { keys: ['ok'] } });
  });
});

describe('readChartView', () => {
  it('falls back to the default of each field out of range', () => {
    expect(readChartView({ smoothing: 5, logY: 'yes', xAxis: 'time' })).toEqual(
      { smoothing: 0, logY: false, xAxis: 'step' }
    );
    expect(readChartView({ smoothing: '0.3', xAxis: 'relative' })).toEqual({
      smoothing: 0.3,
      logY: false,
      xAxis: 'relative'
    });
  });
});

describe('chartsProject', () => {
  it('is the runs’ project, or "" when they differ', () => {
    expect(chartsProject([{ project: 'a' }, { project: 'a' }])).toBe('a');
    expect(chartsProject([{ project: 'a' }, { project: 'b' }])).toBe('');
  });
});
