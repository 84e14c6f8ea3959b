#!/usr/bin/env node
// The `spillway` command. Runs the TypeScript sources through tsx, so
// `npx spillway ...` works straight after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
