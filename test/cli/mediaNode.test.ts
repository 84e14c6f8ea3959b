import { describe, expect, it } from 'vitest';
import { runSpillway } from '../support/runSpillway.ts';

const SECRET = { SPILLWAY_MEDIA_SECRET: 'cli-media-secret-0123456789' };

describe('spillway media-node', () => {
  it('is in the help, with its own', async () => {
    expect((await runSpillway(['--help'])).stdout).toMatch(/media-node +mediasoup workers on a media host/);
    expect((await runSpillway(['media-node', '--help'])).stdout).toContain('Usage: spillway media-node --api URL');
  });

  it('refuses to start without what it needs, saying what to give it, and starts no worker', async () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [
        ['media-node', '--api', 'http://127.0.0.1:4000'],
        { SPILLWAY_MEDIA_SECRET: '' },
        /SPILLWAY_MEDIA_SECRET must be set/,
      ],
      [['media-node'], SECRET, /--api URL is required/],
      [['media-node', '--api', 'http://127.0.0.1:4000/graphql'], SECRET, /base URL, such as http:\/\/10\.0\.0\.1:4000/],
      [
        ['media-node', '--api', 'http://127.0.0.1:4000', '--workers', '0'],
        SECRET,
        /--workers must be a whole number from 1 to 64/,
      ],
      [['media-node', '--api', 'http://127.0.0.1:4000', '--node-id', 'has space'], SECRET, /--node-id "has space"/],
      [
        ['media-node', '--api', 'http://127.0.0.1:4000', '--listen', 'somewhere'],
        SECRET,
        /--listen "somewhere" must be an IP/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const { code, stderr } = await runSpillway(args, env);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});
