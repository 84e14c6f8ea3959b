#!/usr/bin/env -S node --max-semi-space-size=64
// The `spillway` command. Runs the TypeScript sources through tsx, so
// `npx spillway ...` works straight after `npm ci`, with no build step. The
// young generation is 64 MB (V8 defaults to 16): a server under a surge
// allocates fast, and with 16 MB it spent about 12 % of its thread in
// scavenges (docs/PERFORMANCE.md). `node bin/spillway.js` skips this line:
// give the flag there, or in NODE_OPTIONS.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
