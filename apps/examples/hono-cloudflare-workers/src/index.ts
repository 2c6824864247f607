// The Worker: the example app as a module Worker (wrangler.toml's `main`).
import { createApp } from './app.js';

export default createApp();
