import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Who serves a data folder: written by `serve` into `serve.lock` there. */
export interface DataFolderHolder {
  readonly pid: number;
  /** The API's URL once it listens; null while it starts. */
  readonly url: string | null;
  readonly startedAt: string;
}

const lockFile = (dataDir: string): string => join(dataDir, 'serve.lock');

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const readHolder = (file: string): DataFolderHolder | undefined => {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<DataFolderHolder>;
    if (!Number.isSafeInteger(holder.pid)) return undefined;
    return {
      pid: holder.pid!,
      url: typeof holder.url === 'string' ? holder.url : null,
      startedAt: String(holder.startedAt),
    };
  } catch {
    return undefined;
  }
};

/**
 * The live process serving `dataDir`, if any. A lock left by a process that
 * died (kill -9, a crash) names a pid that no longer runs, and does not count.
 */
export const dataFolderHolder = (dataDir: string): DataFolderHolder | undefined => {
  const holder = readHolder(lockFile(dataDir));
  return holder && holder.pid !== process.pid && isAlive(holder.pid) ? holder : undefined;
};

/** The data folder is served by another live process. */
export class DataFolderLockedError extends Error {
  override readonly name = 'DataFolderLockedError';
  readonly code = 'DATA_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly holder: DataFolderHolder,
  ) {
    super(
      `the data folder ${dataDir} is served by another spillway (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}): stop it, or give this one its own folder with --data or SPILLWAY_DATA.`,
    );
  }
}

/**
 * Takes the data folder for this process: one server per folder, since its
 * read models are this node's own. Replaces a lock whose process is gone.
 * `served(url)` records the API's URL; `release()` gives the folder up.
 */
export const lockDataFolder = (dataDir: string) => {
  mkdirSync(dataDir, { recursive: true });
  const file = lockFile(dataDir);
  const startedAt = new Date().toISOString();
  const content = (url: string | null): string =>
    `${JSON.stringify({ pid: process.pid, url, startedAt } satisfies DataFolderHolder)}\n`;
  for (;;) {
    try {
      writeFileSync(file, content(null), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = dataFolderHolder(dataDir);
      if (holder) throw new DataFolderLockedError(dataDir, holder);
      unlinkSync(file);
    }
  }
  return {
    served: (url: string): void => writeFileSync(file, content(url)),
    release(): void {
      if (readHolder(file)?.pid === process.pid) unlinkSync(file);
    },
  };
};
