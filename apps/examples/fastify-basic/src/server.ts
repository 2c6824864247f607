// Runs the fastify-basic example: `pnpm start` (PORT, default 3000; HOST, default 127.0.0.1).
import { buildApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const app = await buildApp();
const url = await app.listen({ port, host });

console.log(`fastify-basic listening on ${url}
  free:       curl -i -X POST ${url}/api/chat -H 'x-plan: free' -H 'x-user-id: alice' -H 'content-type: application/json' -d '{"message":"hi"}'
  pro:        curl -i '${url}/api/items?plan=pro' -H 'x-user-id: carol'
  enterprise: curl -i ${url}/api/items/2 -H 'x-plan: enterprise' -H 'x-user-id: acme'
  export:     curl -i -X POST ${url}/api/export -H 'x-user-id: alice'
  quota:      curl ${url}/api/quota -H 'x-plan: free' -H 'x-user-id: alice'
Limiter events are logged below. Ctrl-C to stop.`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  // Closing the app closes the limiter too (the plugin's onClose hook).
  void app.close().then(() => {
    console.log('Server and limiter closed.');
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
