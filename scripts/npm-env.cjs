// Preloaded into every Node process npm starts in this project (.npmrc sets
// node-options). mediasoup's own postinstall downloads a prebuilt worker from
// GitHub, which cannot work offline; MEDIASOUP_WORKER_BIN makes it skip that,
// and our postinstall builds the worker (scripts/mediasoup/build-worker.sh)
// at the path mediasoup looks at by default, which is also what this points at.
const path = require('node:path');

if (!process.env.MEDIASOUP_WORKER_BIN && process.env.INIT_CWD) {
  process.env.MEDIASOUP_WORKER_BIN = path.join(
    process.env.INIT_CWD,
    'node_modules/mediasoup/worker/out/Release/mediasoup-worker',
  );
}
