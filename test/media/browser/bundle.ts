import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Bundles mediasoup-client as one browser ES module exporting `Device`, into `outDir/mediasoup-client.js`. */
export const bundleMediasoupClient = async (outDir: string): Promise<void> => {
  await build({
    stdin: { contents: "export { Device } from 'mediasoup-client';", resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    outfile: `${outDir}/mediasoup-client.js`,
    logLevel: 'error',
  });
};
