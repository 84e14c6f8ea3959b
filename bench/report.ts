import { cpus, totalmem } from 'node:os';

export const report = (line: string): void => void process.stdout.write(`${line}\n`);

export const ratio = (ours: number, theirs: number): string =>
  theirs === 0 ? 'n/a' : `${(ours / theirs).toFixed(1)}x`;

/** The machine, for the record in docs/PERFORMANCE.md. */
export const env = (): string =>
  `${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

export const rssMb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);
