// The client of the frameworks instruction count (frameworks-instructions.mjs): a separate,
// untraced process, so that only the server's instructions are counted. Sends `warmup`
// then `n` keep-alive GETs one after another, checks each answers 200, and exits.
// Arguments: port users(one|many) warmup n
import http from 'node:http';
import process from 'node:process';
import { REQUEST_PATH } from './http.mjs';

const [port, users, warmup, n] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4]), Number(process.argv[5])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function one(i) {
  return new Promise((resolve, reject) => {
    const headers = users === 'many' ? { 'x-user-id': `user-${i % 1000}` } : {};
    const req = http.request({ host: '127.0.0.1', port, path: REQUEST_PATH, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

for (let i = 0; i < warmup + n; i++) await one(i);
process.exit(0);
