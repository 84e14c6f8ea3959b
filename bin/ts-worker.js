// Starts a worker thread on a TypeScript module of Spillway's sources
// (workerData.module, a file URL), through tsx, as bin/spillway.js does for
// the main thread.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
