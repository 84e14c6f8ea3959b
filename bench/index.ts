// npm run bench -- <name> [--quick]: runs one benchmark (or all, without a name).
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  eventstore: () => import('./eventstore.ts'),
  surge: () => import('./surge.ts'),
  media: () => import('./media.ts'),
  projections: () => import('./projections.ts'),
  api: () => import('./api.ts'),
  memory: () => import('./memory.ts'),
  cluster: () => import('./cluster.ts'),
  waiting: () => import('./waiting.ts'),
};

const [name, ...args] = process.argv.slice(2).filter((a) => a !== '--');
const chosen = name === undefined || name.startsWith('--') ? Object.keys(benches) : [name];
for (const bench of chosen) {
  const load = benches[bench];
  if (!load) {
    process.stderr.write(`Unknown benchmark "${bench}"; choose one of: ${Object.keys(benches).join(', ')}.\n`);
    process.exit(2);
  }
  await (await load()).run(name?.startsWith('--') ? [name, ...args] : args);
}
