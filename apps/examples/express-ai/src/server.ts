// Runs the express-ai example: `pnpm start` (PORT, default 3000; HOST, default 127.0.0.1).
import { createApp, listen } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const { app, limiter } = createApp();
const { server, url } = await listen(app, port, host);

console.log(`express-ai listening on ${url}
  curl ${url}/v1/chat/completions -H 'authorization: Bearer sk-free-alice' -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}],"max_tokens":200}'
  curl ${url}/v1/usage -H 'authorization: Bearer sk-free-alice'
  curl ${url}/v1/models
Keys are sk-<plan>-<name> (plans: free, pro, enterprise). Limiter events are logged below. Ctrl-C to stop.`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  server.close();
  server.closeAllConnections();
  void limiter.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
