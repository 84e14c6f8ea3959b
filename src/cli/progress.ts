import cliProgress from 'cli-progress';

/**
 * Progress of long work: a bar with rate and ETA on a terminal, a line every
 * couple of seconds on stderr otherwise (CI logs, pipes).
 */
export const createProgress = (label: string, total: number, unit: string) => {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: `${label} {bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted} {detail}`,
          hideCursor: true,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { rate: 0, detail: '' });
  let lastLine = 0;
  return {
    /** `detail` is shown after the figures, e.g. "3 overflow rooms, 8 routers". */
    update(done: number, detail = ''): void {
      const seconds = (performance.now() - started) / 1000;
      const rate = Math.round(done / Math.max(seconds, 0.001));
      if (bar) return void bar.update(done, { rate, detail });
      if (performance.now() - lastLine < 2000) return;
      lastLine = performance.now();
      const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
      process.stderr.write(`${label}: ${done}/${total} ${unit} (${rate} ${unit}/s, ETA ${eta}s) ${detail}\n`);
    },
    stop(done: number): { seconds: number; rate: number } {
      const seconds = (performance.now() - started) / 1000;
      bar?.update(done);
      bar?.stop();
      return { seconds, rate: done / Math.max(seconds, 0.001) };
    },
  };
};
