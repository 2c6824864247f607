// Test helper: a Redis Cluster to test against. LIMITRATE_REDIS_CLUSTER_NODES (host:port,...
// as exported by scripts/redis-servers.sh) when set, else a private 3-master cluster (no
// replicas) on free 127.0.0.1 ports, stopped when the file is done.
//
// Run as a program (`node --import fixtures/register-ts.mjs cluster-helper.ts child ...`) it
// is the child process of the cross-process exactness test: argv = 'child', nodes, keyPrefix,
// count, then the limits as JSON; prints how many of `count` concurrent consumes were admitted.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LimitSpec } from '@limitrate/core';
import { Cluster } from 'ioredis';
import { RedisStore } from '../src/index.js';
import { REDIS_SERVER_BIN } from './redis-server.js';

export interface ClusterNode {
  host: string;
  port: number;
}

/** A cluster for one test file. */
export interface TestCluster {
  nodes: ClusterNode[];
  /** True when this file has the cluster to itself. */
  isolated: boolean;
  /** A new ioredis Cluster client (closed by stop()). */
  client(options?: { keyPrefix?: string }): Cluster;
  stop(): Promise<void>;
}

export function parseNodes(list: string): ClusterNode[] {
  return list.split(',').filter(Boolean).map((hp) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
  });
}

export function newCluster(nodes: ClusterNode[], keyPrefix?: string): Cluster {
  const c = new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: 1 }, ...(keyPrefix === undefined ? {} : { keyPrefix }) });
  c.on('error', () => undefined);
  return c;
}

/** A free port whose cluster-bus port (port + 10000) is free too. */
async function freeClusterPort(): Promise<number> {
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.unref();
      srv.on('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
      });
    });
  for (;;) {
    const port = await listen(0);
    if (port > 55_535) continue;
    try {
      await listen(port + 10_000);
      return port;
    } catch {
      // the bus port is taken: pick another
    }
  }
}

function cli(args: string[], timeout = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout }, (error, stdout, stderr) => (error ? reject(new Error(`redis-cli ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout)));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Starts 3 cluster-enabled redis-servers and joins them into one cluster. */
export async function startPrivateCluster(): Promise<TestCluster> {
  const bin = REDIS_SERVER_BIN;
  if (bin === undefined) throw new Error('No redis-server binary found; install redis-server or set LIMITRATE_REDIS_CLUSTER_NODES');
  const dir = mkdtempSync(join(tmpdir(), 'limitrate-cluster-'));
  const children: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  const stopAll = async () => {
    await Promise.all(children.map(stopChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freeClusterPort();
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'];
      const child = spawn(bin, args, { stdio: 'ignore' });
      children.push(child);
      nodes.push({ host: '127.0.0.1', port });
      await waitFor(`redis-server on ${port}`, async () => (await cli(['-p', String(port), 'ping'], 2000)).trim() === 'PONG');
    }
    await cli(['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await clusterOk(nodes);
  } catch (error) {
    await stopAll();
    throw error;
  }
  return withClients(nodes, true, stopAll);
}

/** Waits until every node reports cluster_state:ok (a node that has not heard of the new configuration answers CLUSTERDOWN). */
async function clusterOk(nodes: ClusterNode[]): Promise<void> {
  for (const n of nodes) {
    await waitFor(`cluster_state:ok on ${n.host}:${n.port}`, async () => (await cli(['-h', n.host, '-p', String(n.port), 'cluster', 'info'], 2000)).includes('cluster_state:ok'));
  }
}

/** LIMITRATE_REDIS_CLUSTER_NODES if set (shared: use unique key prefixes), else a private cluster. */
export async function startCluster(): Promise<TestCluster> {
  const shared = process.env.LIMITRATE_REDIS_CLUSTER_NODES;
  if (shared) {
    const nodes = parseNodes(shared);
    await clusterOk(nodes);
    return withClients(nodes, false, async () => undefined);
  }
  return startPrivateCluster();
}

function withClients(nodes: ClusterNode[], isolated: boolean, stopServers: () => Promise<void>): TestCluster {
  const clients: Cluster[] = [];
  return {
    nodes,
    isolated,
    client(options) {
      const c = newCluster(nodes, options?.keyPrefix);
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      await stopServers();
    },
  };
}

/** Counts the commands a Cluster client sends, by name (upper case). */
export function countCommands(client: Cluster): Map<string, number> {
  const counts = new Map<string, number>();
  const target = client as unknown as { sendCommand: (command: { name: string }, ...rest: unknown[]) => unknown };
  const original = target.sendCommand.bind(client);
  target.sendCommand = (command, ...rest) => {
    const name = command.name.toUpperCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
    return original(command, ...rest);
  };
  return counts;
}

async function child(args: string[]): Promise<void> {
  const [nodes, keyPrefix, count, specs] = args;
  const client = newCluster(parseNodes(nodes!));
  const store = new RedisStore({ client, keyPrefix: keyPrefix!, commandTimeoutMs: 20_000 });
  const limits = JSON.parse(specs!) as LimitSpec[];
  const settled = await Promise.allSettled(Array.from({ length: Number(count) }, () => store.consume(limits)));
  const admitted = settled.filter((r) => r.status === 'fulfilled' && r.value.allowed && r.value.committed).length;
  const errors = [...new Set(settled.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])))];
  process.stdout.write(JSON.stringify({ admitted, total: settled.length, errors }));
  await store.close();
  await client.quit();
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'child') await child(process.argv.slice(3));
