// The endpoint a request is counted under: the route template when the framework found one,
// else the path with identifier-like segments turned into :id; each method on its own.
import { HttpLimiter, templatePath } from '@limitrate/core';

// For unmatched requests (a 404, or a route whose path is a regular expression):
for (const path of ['/users/42', '/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301/raw', '/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV', '/blog/hello-world', '/v2/search']) {
  console.log(`${path.padEnd(48)} -> ${templatePath(path)}`);
}

const limiter = new HttpLimiter({
  policies: {
    free: {
      endpoints: {
        'GET|/users/:id': { rate: { maxPerMinute: 5 } },
        '*|/health': {}, // every method: GET, HEAD, ...
        'GET|/files/*': { rate: { maxPerMinute: 2 } }, // Express 5's /files/*splat, Express 4's /files/*
      },
      defaults: { rate: { maxPerMinute: 60 } },
    },
  },
});
const requests: Array<[method: string, path: string, route: string | undefined]> = [
  ['GET', '/users/42', '/users/:id'],
  ['GET', '/Users/42/', '/users/:userId'], // keys are case-insensitive; parameter names do not matter
  ['HEAD', '/users/42', '/users/:id'], // Express answers HEAD with the GET route: counted as GET
  ['HEAD', '/health', '/health'],
  ['GET', '/files/a/b.txt', '/files/*splat'],
  ['GET', '/nothing/7', undefined],
];
for (const [method, path, route] of requests) {
  const d = await limiter.decide({ method, path, route, remoteAddress: '198.51.100.7', raw: {} });
  console.log(`${`${method} ${path}`.padEnd(20)} route ${String(route).padEnd(14)} -> endpoint ${d.endpoint.padEnd(20)} policy ${d.result?.policy || "''"}`);
}
await limiter.close();
