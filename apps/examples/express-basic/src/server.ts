// Runs the express-basic example: `pnpm start`. Environment: PORT (default 3000), HOST
// (default 127.0.0.1); LIMITRATE_INSPECTOR_TOKEN serves the analytics at /limitrate for
// `npx limitrate dashboard`; REDIS_URL keeps the limits (and the analytics, fleet-wide) in
// Redis, so that several instances share them (LIMITRATE_KEY_PREFIX and
// LIMITRATE_ANALYTICS_PREFIX name their keys; LIMITRATE_FLUSH_INTERVAL, default 5s, is how
// often each instance writes its analytics).
import type { LimitRateOptions } from '@limitrate/express';
import { createApp, listen } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const inspectorToken = process.env.LIMITRATE_INSPECTOR_TOKEN || undefined;
const redisUrl = process.env.REDIS_URL || undefined;

let overrides: Partial<LimitRateOptions> = {};
if (redisUrl !== undefined) {
  // Loaded only when asked for: the in-memory example needs neither Redis package.
  const { redisAnalytics } = await import('@limitrate/redis');
  const keyPrefix = process.env.LIMITRATE_KEY_PREFIX || undefined;
  const prefix = process.env.LIMITRATE_ANALYTICS_PREFIX || undefined;
  overrides = {
    store: { type: 'redis', url: redisUrl, ...(keyPrefix !== undefined ? { keyPrefix } : {}) },
    analytics: { sink: redisAnalytics(prefix !== undefined ? { prefix } : {}), flushInterval: process.env.LIMITRATE_FLUSH_INTERVAL || '5s' },
  };
}
const { app, limiter } = createApp({ overrides, ...(inspectorToken !== undefined ? { inspectorToken } : {}) });
const { server, url } = await listen(app, port, host);

console.log(`express-basic listening on ${url}${redisUrl !== undefined ? ` (limits and analytics in Redis at ${redisUrl.replace(/\/\/[^@]*@/, '//')})` : ''}
  free:       curl -i -X POST ${url}/api/chat -H 'x-plan: free' -H 'x-user-id: alice' -H 'content-type: application/json' -d '{"message":"hi"}'
  pro:        curl -i '${url}/api/items?plan=pro' -H 'x-user-id: carol'
  enterprise: curl -i ${url}/api/items/2 -H 'x-plan: enterprise' -H 'x-user-id: acme'
  quota:      curl ${url}/api/quota -H 'x-plan: free' -H 'x-user-id: alice'${
    inspectorToken !== undefined ? `\n  dashboard:  npx limitrate dashboard --url ${url}/limitrate --token "$LIMITRATE_INSPECTOR_TOKEN"` : ''
  }${redisUrl !== undefined ? `\n  fleet:      npx limitrate dashboard --redis ${redisUrl.replace(/\/\/[^@]*@/, '//')}${process.env.LIMITRATE_ANALYTICS_PREFIX ? ` --prefix ${process.env.LIMITRATE_ANALYTICS_PREFIX}` : ''}` : ''}
Limiter events are logged below. Ctrl-C to stop.`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  // close() writes the last analytics to Redis before the process leaves.
  void limiter.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
