#!/usr/bin/env node
// The `spillway` command. Runs the TypeScript sources through tsx, so
// `npx spillway ...` works straight after `npm ci`, with no build step.
// A server under a surge wants a 64 MB young generation (V8 defaults to 16,
// and with it the api bench's server spent about 12 % of its thread in
// scavenges: docs/PERFORMANCE.md). `npm start` gives Node that flag; it is not
// in this shebang because `env -S` is missing where env is busybox's (Alpine),
// so elsewhere it goes in NODE_OPTIONS (README, "Running the API").
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
