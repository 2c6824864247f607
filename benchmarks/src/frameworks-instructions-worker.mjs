// The server of the frameworks instruction count, run under callgrind by
// frameworks-instructions.mjs: one variant's app (frameworks-server.mjs) on 127.0.0.1, and
// an untraced client process that sends `warmup` + `n` requests; exits when it is done.
// Arguments: variant users(one|many) warmup n
import { spawn } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { startApp } from './frameworks-server.mjs';

const [variant, users, warmup, n] = process.argv.slice(2);
const app = await startApp(variant, users);
const client = spawn(process.execPath, [fileURLToPath(new URL('./frameworks-instructions-client.mjs', import.meta.url)), String(app.port), users, warmup, n], { stdio: ['ignore', 'inherit', 'inherit'] });
client.on('exit', (code) => process.exit(code ?? 1));
