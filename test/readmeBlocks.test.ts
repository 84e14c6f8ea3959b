// How test/readme.test.ts reads the README: which fences run and what the markers say.
import { describe, expect, it } from 'vitest';
import { readmeBlocks } from './support/readmeBlocks.ts';

describe('the README extractor', () => {
  it('runs sh fences, in order, and leaves other fences alone', () => {
    const blocks = readmeBlocks(
      [
        '# t',
        '```sh',
        'echo one',
        '```',
        '```',
        'spillway serving',
        '```',
        '```text',
        'x',
        '```',
        '```sh',
        'echo two',
        '```',
      ].join('\n'),
    );
    expect(blocks.map((b) => [b.line, b.script, b.mode])).toEqual([
      [2, 'echo one', 'run'],
      [11, 'echo two', 'run'],
    ]);
  });

  it('reads the marker on the line before the fence, blank lines between allowed', () => {
    const [server, feed, replay, skipped, plain] = readmeBlocks(
      [
        '<!-- readme-test: server -->',
        '',
        '```sh',
        'npx spillway serve',
        '```',
        '<!-- readme-test: background; expect ListenerCountChanged -->',
        '```sh',
        'curl -N x',
        '```',
        '<!-- readme-test: stop the server first; expect replay: rebuilt; expect "a" -->',
        '```sh',
        'npx spillway replay',
        '```',
        '<!-- readme-test: skip: slow; and needs a GPU -->',
        '```sh',
        'npm run bench',
        '```',
        'Text in between.',
        '```sh',
        'echo plain',
        '```',
      ].join('\n'),
    );
    expect(server).toMatchObject({ mode: 'server', stopServerFirst: false, expect: [] });
    expect(feed).toMatchObject({ mode: 'background', expect: ['ListenerCountChanged'] });
    expect(replay).toMatchObject({ mode: 'run', stopServerFirst: true, expect: ['replay: rebuilt', '"a"'] });
    expect(skipped).toMatchObject({ mode: 'skip', skipReason: 'slow; and needs a GPU' });
    expect(plain).toMatchObject({ mode: 'run', stopServerFirst: false, expect: [] });
  });

  it('refuses a marker it does not know, so a typo cannot switch a block off', () => {
    expect(() => readmeBlocks('<!-- readme-test: skipp: later -->\n```sh\nls\n```')).toThrow(
      /README line 1: unknown readme-test clause "skipp: later"/,
    );
  });

  it('refuses a fence that is never closed', () => {
    expect(() => readmeBlocks('a\n```sh\nls\n')).toThrow(/README line 2: the fence is never closed/);
  });
});
