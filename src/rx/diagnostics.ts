/**
 * What the client publishes on `node:diagnostics_channel`, for tracers and metrics (our own
 * `lnc-client/otel`, or anyone's): undici's model, so an APM subscribes without patching us.
 *
 * Tracing channels (start, end, asyncStart, asyncEnd, error — Node's TracingChannel events) carry
 * one context object per operation through all of its events, so a subscriber can keep its span on
 * that object (or in a WeakMap keyed by it). An operation is asynchronous: `start` and `end` are
 * published when it is sent, `asyncStart` and `asyncEnd` when its outcome is known, `error` (with
 * `context.error` set) before them when it failed.
 *
 * Nothing is built or published while a channel has no subscriber (`hasSubscribers`): the cost of
 * instrumentation nobody listens to is one property read per batch.
 */
import { channel, tracingChannel } from 'node:diagnostics_channel';
import { Observable } from 'rxjs';
import type { SessionRole } from './session.js';
import type { ConnectionState } from './state.js';

/** The channel names, stable across releases (they are part of the public surface). */
export const DIAGNOSTICS_CHANNELS = {
  /** Tracing channel: one produce batch, from its frame written to its ack (or failure). */
  produce: 'lnc-client:produce',
  /** Tracing channel: one control request (ping, topic admin, offsets …), from sent to its reply. */
  request: 'lnc-client:request',
  /** Tracing channel: one consumed batch handled by user code (`process`, or the downstream `next`). */
  process: 'lnc-client:process',
  /** Plain channel: a connection role changed state. */
  connection: 'lnc-client:connection',
  /** Plain channel: a batch of records was fetched and is about to be delivered. */
  consume: 'lnc-client:consume',
} as const;

/** Context of `lnc-client:produce`. */
export interface ProduceDiagnostic {
  readonly topicId: number;
  readonly records: number;
  /** Payload bytes of the batch (its TLV records). */
  readonly bytes: number;
  readonly batchId: bigint;
  /** 1 for the first send, 2 for the first resend … */
  readonly attempt: number;
  /** "host:port" the batch went to. */
  readonly server: string;
  /** The producer's buffered bytes (records admitted, not yet settled) when it was sent, then when it settled. */
  bufferedBytes: number;
  /** Set before `error` is published. */
  error?: unknown;
}

/** Context of `lnc-client:request`. */
export interface RequestDiagnostic {
  /** The command's name (e.g. "ListTopics") and its byte. */
  readonly command: string;
  readonly code: number;
  readonly server: string;
  error?: unknown;
}

/** Context of `lnc-client:process`. */
export interface ProcessDiagnostic {
  readonly topicId: number;
  readonly startOffset: bigint;
  readonly endOffset: bigint;
  readonly records: number;
  readonly server: string | undefined;
  error?: unknown;
}

/** Message of `lnc-client:connection`. */
export interface ConnectionDiagnostic {
  readonly role: SessionRole;
  readonly state: ConnectionState;
}

/** Message of `lnc-client:consume`. */
export interface ConsumeDiagnostic {
  readonly topicId: number;
  readonly startOffset: bigint;
  readonly endOffset: bigint;
  readonly records: number;
  readonly bytes: number;
  /** Bytes between this batch's end and the topic's end, when the consumer knows it. */
  readonly lagBytes: bigint | undefined;
  readonly server: string | undefined;
}

export const produceChannel = tracingChannel<ProduceDiagnostic, ProduceDiagnostic>(DIAGNOSTICS_CHANNELS.produce);
export const requestChannel = tracingChannel<RequestDiagnostic, RequestDiagnostic>(DIAGNOSTICS_CHANNELS.request);
export const processChannel = tracingChannel<ProcessDiagnostic, ProcessDiagnostic>(DIAGNOSTICS_CHANNELS.process);
export const connectionChannel = channel(DIAGNOSTICS_CHANNELS.connection);
export const consumeChannel = channel(DIAGNOSTICS_CHANNELS.consume);

type Traced<C extends object> = ReturnType<typeof tracingChannel<C, C>>;

/** Publishes `start` and `end` for an operation that has just been sent. */
export function traceSent<C extends object>(ch: Traced<C>, context: C): void {
  ch.start.publish(context);
  ch.end.publish(context);
}

/** Publishes the outcome of an operation started with `traceSent`: `error` first when it failed. */
export function traceSettled<C extends { error?: unknown }>(ch: Traced<C>, context: C, error?: unknown): void {
  if (error !== undefined) {
    context.error = error;
    ch.error.publish(context);
  }
  ch.asyncStart.publish(context);
  ch.asyncEnd.publish(context);
}

/**
 * Traces a cold request: `start`/`end` on subscribe, the outcome at its first value or its error.
 * An unsubscribe before either settles it without an error (the caller gave up; the operation is
 * not known to have failed).
 */
export function traced<T, C extends { error?: unknown }>(
  ch: Traced<C>,
  context: () => NoInfer<C>,
): (source: Observable<T>) => Observable<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const c = context();
      let settled = false;
      const settle = (error?: unknown): void => {
        if (settled) return;
        settled = true;
        traceSettled(ch, c, error);
      };
      traceSent(ch, c);
      const sub = source.subscribe({
        next: (v) => {
          settle();
          subscriber.next(v);
        },
        error: (err: unknown) => {
          settle(err);
          subscriber.error(err);
        },
        complete: () => {
          settle();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        settle();
      };
    });
}
