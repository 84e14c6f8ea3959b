/**
 * The README's shell examples, as test/readme.test.ts runs them.
 *
 * Every fenced block whose info string is `sh` runs, in order, as written
 * (other fences — output samples, `text` — are prose). An HTML comment on
 * the lines just before the fence says how, with clauses separated by ";":
 *
 *   <!-- readme-test: skip: REASON -->      not run; the reason (the rest of the comment) is printed
 *   <!-- readme-test: server -->            starts the server: runs in the background
 *                                           until it prints "spillway serving"
 *   <!-- readme-test: background -->        runs alongside the blocks after it (a feed
 *                                           that runs until Ctrl-C) until the server stops
 *   <!-- readme-test: stop the server first -->  the server is stopped (Ctrl-C) before it
 *   <!-- readme-test: expect TEXT -->       its output must contain TEXT
 *
 * A comment starting "readme-test:" with any other clause is an error, so a
 * typo cannot turn a block off.
 */
export interface ReadmeBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly script: string;
  readonly mode: 'run' | 'skip' | 'server' | 'background';
  readonly skipReason?: string;
  readonly stopServerFirst: boolean;
  readonly expect: readonly string[];
}

const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;

export const readmeBlocks = (markdown: string): ReadmeBlock[] => {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const fence = /^(```+|~~~+)\s*([\w-]*)/.exec(lines[i]!);
    if (!fence) continue;
    const close = lines.findIndex((line, j) => j > i && line.trim().startsWith(fence[1]!));
    if (close < 0) throw new Error(`README line ${i + 1}: the fence is never closed.`);
    if (fence[2] === 'sh') blocks.push(block(i + 1, lines.slice(i + 1, close).join('\n'), markerBefore(lines, i)));
    i = close;
  }
  return blocks;
};

/** The marker comment on the non-blank line just above the fence at `index`, if any. */
const markerBefore = (lines: readonly string[], index: number): { line: number; text: string } | undefined => {
  for (let j = index - 1; j >= 0; j -= 1) {
    const text = lines[j]!.trim();
    if (text === '') continue;
    const marker = MARKER.exec(text);
    return marker ? { line: j + 1, text: marker[1]! } : undefined;
  }
  return undefined;
};

const block = (line: number, script: string, marker: { line: number; text: string } | undefined): ReadmeBlock => {
  let mode: ReadmeBlock['mode'] = 'run';
  let skipReason: string | undefined;
  let stopServerFirst = false;
  const expect: string[] = [];
  // "skip:" takes the rest of the comment as its reason, semicolons and all.
  const [clauses = '', reason] = (marker?.text ?? '').split(/(?:^|;)\s*skip:\s*/, 2);
  if (reason !== undefined) [mode, skipReason] = ['skip', reason];
  for (const clause of clauses.split(';').map((c) => c.trim())) {
    if (clause === '') continue;
    const expected = /^expect\s+(.+)$/.exec(clause);
    if (clause === 'server' || clause === 'background') mode = clause;
    else if (clause === 'stop the server first') stopServerFirst = true;
    else if (expected) expect.push(expected[1]!);
    else
      throw new Error(
        `README line ${marker!.line}: unknown readme-test clause "${clause}" (skip: REASON, server, background, stop the server first, expect TEXT).`,
      );
  }
  return { line, script, mode, ...(skipReason ? { skipReason } : {}), stopServerFirst, expect };
};
