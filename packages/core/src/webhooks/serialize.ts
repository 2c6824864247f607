// The JSON that goes over the wire: one event (Error objects as {name, code, message}) and the
// Standard Webhooks batch envelope around several.
import type { LimitRateEvent } from '../events/types.js';

/** The envelope's `type` (Standard Webhooks: a full-stop delimited event type). */
export const BATCH_TYPE = 'limitrate.events';

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? { name: value.name, message: value.message } : { name: value.name, code, message: value.message };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * One event as JSON. Never throws: an event that cannot be serialised (a cycle, a throwing
 * getter) becomes `{type, timestamp, error}` instead of breaking its whole batch.
 */
export function eventJson(event: LimitRateEvent): string {
  try {
    return JSON.stringify(event, replacer) ?? 'null';
  } catch {
    return JSON.stringify({ type: event.type, timestamp: event.timestamp, error: 'the event could not be serialised as JSON' });
  }
}

/** `{"type":"limitrate.events","timestamp":"<ISO>","data":{"events":[...]}}`. */
export function batchJson(events: readonly LimitRateEvent[], isoTimestamp: string): string {
  let list = '';
  for (let i = 0; i < events.length; i++) list += (i === 0 ? '' : ',') + eventJson(events[i]!);
  return `{"type":${JSON.stringify(BATCH_TYPE)},"timestamp":${JSON.stringify(isoTimestamp)},"data":{"events":[${list}]}}`;
}
