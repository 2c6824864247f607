// Where aggregated points go: a DogStatsD agent or the Datadog HTTP API.
import type { MetricPoint } from '../aggregator.js';

export interface Sink {
  /** Sends the points; never rejects (failures go to the error reporter). */
  send(points: readonly MetricPoint[]): Promise<void>;
  /** Sends what is buffered and releases the socket. */
  close(): Promise<void>;
}

/** Reports a send failure without ever throwing. */
export type ErrorReporter = (error: unknown) => void;
