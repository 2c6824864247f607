#!/usr/bin/env node
// The `limitrate` bin: runs the CLI on the process's arguments and exits with its code.
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2));
