/**
 * A React hook that loads something when its inputs change: the request of
 * inputs no longer shown is aborted, and its late answer never replaces a
 * newer one.
 */
import * as React from 'react';

export interface IFetched<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

export function useFetch<T>(
  load: ((signal: AbortSignal) => Promise<T>) | null,
  deps: React.DependencyList
): IFetched<T> {
  const [state, setState] = React.useState<IFetched<T>>({
    data: null,
    error: null,
    loading: load !== null
  });
  React.useEffect(() => {
    if (!load) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const controller = new AbortController();
    setState(s => ({ ...s, loading: true }));
    load(controller.signal).then(
      data => {
        if (!controller.signal.aborted) {
          setState({ data, error: null, loading: false });
        }
      },
      error => {
        if (!controller.signal.aborted) {
          setState(s => ({
            data: s.data,
            error: (error as Error).message ?? String(error),
            loading: false
          }));
        }
      }
    );
    return () => controller.abort();
  }, deps);
  return state;
}
