// A real DogStatsD listener for tests: a UDP socket on 127.0.0.1 that parses each line of
// each datagram into { name, value, type, rate, tags }.
import { createSocket, type Socket } from 'node:dgram';

export interface Line {
  name: string;
  value: number;
  type: string;
  rate: number;
  tags: string[];
  raw: string;
}

/** Parses one DogStatsD line: `name:value|type[|@rate][|#tag1,tag2]`. */
export function parseLine(raw: string): Line {
  const colon = raw.indexOf(':');
  const [valuePart, type, ...rest] = raw.slice(colon + 1).split('|');
  const line: Line = { name: raw.slice(0, colon), value: Number(valuePart), type: type!, rate: 1, tags: [], raw };
  for (const field of rest) {
    if (field.startsWith('@')) line.rate = Number(field.slice(1));
    else if (field.startsWith('#')) line.tags = field.slice(1).split(',');
  }
  return line;
}

export interface DogStatsdServer {
  port: number;
  lines: Line[];
  datagrams: number;
  /** Resolves once `count` lines (in all) were received. */
  waitForLines(count: number, timeoutMs?: number): Promise<Line[]>;
  /** Lines of a metric, optionally only those carrying every given tag. */
  find(name: string, ...tags: string[]): Line[];
  /** The sum of the values of a metric's lines carrying every given tag. */
  sum(name: string, ...tags: string[]): number;
  clear(): void;
  /**
   * Resolves when every datagram sent before the call was read: sends a marker from another
   * socket (loopback UDP keeps the order of datagrams queued for one receiver) and waits for it.
   */
  sync(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDogStatsdServer(): Promise<DogStatsdServer> {
  const socket: Socket = createSocket('udp4');
  const lines: Line[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  const markers = new Map<string, () => void>();
  let nextMarker = 0;
  const sender = createSocket('udp4');
  const server: DogStatsdServer = {
    port: 0,
    lines,
    datagrams: 0,
    waitForLines(count, timeoutMs = 5000) {
      if (lines.length >= count) return Promise.resolve(lines);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} lines, got ${lines.length}: ${lines.map((l) => l.raw).join('\n')}`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(lines)) });
      });
    },
    find: (name, ...tags) => lines.filter((l) => l.name === name && tags.every((t) => l.tags.includes(t))),
    sum: (name, ...tags) => server.find(name, ...tags).reduce((s, l) => s + l.value, 0),
    clear: () => void lines.splice(0),
    sync(timeoutMs = 5000) {
      const id = `__sync.${++nextMarker}`;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('sync marker not received')), timeoutMs);
        markers.set(id, () => (clearTimeout(timer), resolve()));
        sender.send(`${id}:1|c`, server.port, '127.0.0.1');
      });
    },
    close: async () => {
      await new Promise<void>((resolve) => sender.close(() => resolve()));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
  socket.on('message', (msg) => {
    const text = msg.toString('utf8');
    if (text.startsWith('__sync.')) {
      const id = text.slice(0, text.indexOf(':'));
      markers.get(id)?.();
      markers.delete(id);
      return;
    }
    server.datagrams++;
    for (const raw of text.split('\n')) if (raw !== '') lines.push(parseLine(raw));
    const ready = waiters.filter((w) => lines.length >= w.count);
    waiters = waiters.filter((w) => lines.length < w.count);
    for (const w of ready) w.resolve();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  server.port = socket.address().port;
  return server;
}
