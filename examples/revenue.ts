/**
 * Stream logic written so it can be marble-tested: it takes its source and a scheduler, and knows
 * nothing about Lance. In production:
 *
 *   revenuePerWindow(lance.topic$(id).pipe(toRecords(), map((r) => JSON.parse(r.text()))), 1000)
 */
import { type Observable, type SchedulerLike, asyncScheduler, bufferTime, filter, map } from 'rxjs';

export interface Sale {
  readonly amount: number;
}

/** Total sales per `windowMs`, skipping empty windows. */
export function revenuePerWindow(
  sales$: Observable<Sale>,
  windowMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<number> {
  return sales$.pipe(
    bufferTime(windowMs, scheduler),
    filter((window) => window.length > 0),
    map((window) => window.reduce((sum, s) => sum + s.amount, 0)),
  );
}
