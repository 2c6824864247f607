// Events and bookkeeping shared by the webhook sender tests. Not shipped.
import { afterEach } from 'vitest';
import { EventBus } from '../../events/bus.js';
import type { ExceededEvent, LimitRateEvent, LimitRateEventType } from '../../events/types.js';
import { WebhookSender } from '../sender.js';
import type { WebhookConfig, WebhookSenderOptions } from '../types.js';
import { Receiver } from './receiver.js';

export const SECRET = 'whsec_' + Buffer.from('limitrate webhook test key, 32 b').toString('base64');

/** A rate_exceeded event whose `value` is `i` (to check order). */
export function exceeded(i: number, user = `u${i}`): ExceededEvent {
  return { type: 'rate_exceeded', timestamp: 1_700_000_000_000 + i, user, plan: 'free', endpoint: 'POST|/api/chat', window: '1m', value: i, threshold: 10, action: 'block', limit: 'rate:1m', dryRun: false };
}

export interface BatchBody {
  type: string;
  timestamp: string;
  data: { events: { type: LimitRateEventType; value?: number; [k: string]: unknown }[] };
}

/** The events of every accepted batch, flattened in arrival order. */
export function acceptedEvents(receiver: Receiver): BatchBody['data']['events'] {
  return (receiver.accepted() as BatchBody[]).flatMap((b) => b.data.events);
}

/** Starts receivers, senders and buses and closes them after each test. */
export function harness() {
  const receivers: Receiver[] = [];
  const senders: WebhookSender[] = [];
  afterEach(async () => {
    for (const r of receivers) r.release();
    await Promise.all(senders.map((s) => s.close()));
    await Promise.all(receivers.map((r) => r.stop()));
    receivers.length = 0;
    senders.length = 0;
  });
  return {
    async receiver(port?: number): Promise<Receiver> {
      const r = await Receiver.start(port);
      receivers.push(r);
      return r;
    },
    /** A sender attached to a fresh bus; `seen` collects the sender's own events from the bus. */
    sender(configs: WebhookConfig[], options: WebhookSenderOptions = {}) {
      const bus = new EventBus();
      const sender = new WebhookSender(configs, { closeTimeoutMs: 200, ...options });
      senders.push(sender);
      sender.attach(bus);
      const seen: LimitRateEvent[] = [];
      bus.on('webhook_failed', (e) => void seen.push(e));
      bus.on('webhook_dropped', (e) => void seen.push(e));
      const emit = (...events: LimitRateEvent[]): void => {
        for (const e of events) bus.emit(e);
      };
      return { bus, sender, seen, emit };
    },
  };
}
