// The one line `spillway` prints for a server it cannot reach, from the errors fetch really throws.
import { describe, expect, it } from 'vitest';
import { networkProblem } from '../../src/cli/networkProblem.ts';
import { freePort } from '../support/freePort.ts';

const failure = async (url: string): Promise<unknown> => {
  try {
    await fetch(url);
  } catch (error) {
    return error;
  }
  throw new Error(`${url} answered`);
};

describe('networkProblem', () => {
  it('names the address and the reason of a refused connection', async () => {
    const port = await freePort();
    expect(networkProblem(await failure(`http://localhost:${port}/graphql`))).toBe(
      `could not reach 127.0.0.1:${port} (ECONNREFUSED): is the server running, and is the URL right?`,
    );
  });

  it('names a host that does not resolve', async () => {
    expect(networkProblem(await failure('http://no-such-host.invalid/graphql'))).toMatch(
      /^could not reach no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\)/,
    );
  });

  it('says why fetch would not send at all (a port browsers and fetch refuse)', async () => {
    expect(networkProblem(await failure('http://127.0.0.1:1/graphql'))).toBe(
      'the request could not be sent: bad port.',
    );
  });

  it('leaves other errors to their own message, even when a refused connection caused them', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    const ours = Object.assign(
      new Error('REDIS_URL is redis://… but Redis did not answer there.', { cause: refused }),
      {
        code: 'REDIS_UNREACHABLE',
      },
    );
    expect(networkProblem(ours)).toBeUndefined();
    expect(networkProblem(new Error('something else'))).toBeUndefined();
    expect(networkProblem('a string')).toBeUndefined();
  });
});
