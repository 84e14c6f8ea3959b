import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh folder under the OS temp dir; `remove()` deletes it and all below it. */
export const makeTempDir = (label: string): { path: string; remove(): void } => {
  const path = mkdtempSync(join(tmpdir(), `spillway-${label}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
};
