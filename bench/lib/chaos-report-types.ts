/** What a chaos run takes and what it reports (bench/lib/chaos-run.ts). */
import type { LedgerTotals } from './chaos-ledger';
import type { FaultEvent, FaultKind } from './chaos-schedule';

export interface ChaosOptions {
  /** Length of the produce-under-faults phase. */
  readonly durationMs: number;
  /** Seeds the fault schedule and the reconnect jitter. */
  readonly seed: number;
  /** Records per second the producer aims at. */
  readonly recordsPerSecond: number;
  /** Value size of each record, in bytes (≥ 12). Default 100. */
  readonly recordBytes?: number;
  /** The producer's `bufferMemory`. Default 4 MiB. */
  readonly bufferMemory?: number;
  /** Allowed growth of `heapUsed` over its value after warm-up. Default 128 MiB. */
  readonly maxHeapGrowthBytes?: number;
  /** The server's group-commit idle gap. Default 5 (the server's). */
  readonly groupCommitMs?: number;
  /** Dead-peer detection: `keepaliveMs` of silence, then `requestTimeoutMs` for the echo. Defaults 1000 / 2000. */
  readonly keepaliveMs?: number;
  readonly requestTimeoutMs?: number;
  /** How long the end phase waits for the consumer to read every acked record. Default 30 s. */
  readonly drainTimeoutMs?: number;
  /** Only these fault kinds (default: all). */
  readonly faults?: readonly FaultKind[];
  /** Quiet gap between faults. Defaults 1500–3000 ms. */
  readonly minGapMs?: number;
  readonly maxGapMs?: number;
  /** Progress lines (fault injected, phase changes). */
  readonly log?: (line: string) => void;
}

export interface RoleReport {
  readonly role: string;
  /** 'reconnecting' events on `lance.state$(role)`. */
  readonly reconnects: number;
  /** 'connected' events per address. */
  readonly connections: Record<string, number>;
  /** Why sockets died, by class of error. */
  readonly causes: Record<string, number>;
}

export interface ExecutedFault extends FaultEvent {
  /** When it was really injected, and how long injecting + holding + healing took. */
  readonly startedMs: number;
  readonly tookMs: number;
  readonly note?: string;
}

export interface ChaosReport extends LedgerTotals {
  readonly ok: boolean;
  /** Broken invariants; empty when the run passed. */
  readonly failures: readonly string[];
  readonly seed: number;
  readonly durationMs: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  /** Records produced per second of the produce phase, as achieved. */
  readonly achievedRate: number;
  /** Records not produced on time because the buffer was full (pacing deficit, skipped, not lost). */
  readonly paceSkipped: number;
  /** Consumed values that are not ours (wrong size or shape). */
  readonly foreign: number;
  /** Records in the server's stored log that are not ours, and bytes after its last whole record. */
  readonly storedForeign: number;
  readonly storedTail: number;
  readonly reconnects: { readonly producer: number; readonly consumer: number };
  readonly producerRole: RoleReport;
  readonly consumerRoles: readonly RoleReport[];
  readonly producerStats: {
    readonly retries: number;
    readonly framesSent: number;
    readonly sessions: number;
    readonly batches: number;
  };
  readonly faultCounts: Record<string, number>;
  readonly schedule: readonly ExecutedFault[];
  readonly consumerErrors: readonly string[];
  readonly failureErrors: readonly string[];
  readonly harnessErrors: readonly string[];
  /** Promises (flush, close) still pending after teardown. */
  readonly pendingPromises: readonly string[];
  readonly promisesTracked: number;
  /** Resource kinds (process.getActiveResourcesInfo) above their count before the run. */
  readonly leakedHandles: readonly string[];
  readonly memory: {
    readonly bufferMemory: number;
    readonly maxBufferedBytes: number;
    readonly heapBaseline: number;
    readonly heapMax: number;
    readonly heapEnd: number;
    readonly heapGrowth: number;
    readonly maxHeapGrowthBytes: number;
  };
  /** Seconds from end of producing until the consumer had every acked record. */
  readonly drainMs: number;
}
