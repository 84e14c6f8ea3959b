import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { OwnerUnreachableError } from '../../src/commands/index.ts';
import type { RoomCommand } from '../../src/domain/index.ts';
import { createHttpForwarder } from '../../src/runtime/internalChannel.ts';

/** A peer that answers every forward with this body (a broken or foreign node on the internal port). */
const peerAnswering = async (body: string) => {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
};

const join = (userId: string): RoomCommand => ({
  type: 'JoinRoom',
  data: { roomId: 'r' },
  metadata: { actor: userId, at: new Date().toISOString() },
});

describe('the forwarder and a peer whose answer does not fit the forward', () => {
  const servers: Array<{ close(): void }> = [];
  afterAll(() => servers.forEach((s) => s.close()));

  it.each([
    ['fewer answers than commands', '{"answers":[]}', /carried 0 answers for 2 commands/],
    ['no answers at all', '{"result":1}', /carried no answers for 2 commands/],
    ['not JSON', 'hello', /did not answer/],
  ])('%s: every command of the batch fails as unreachable, none is answered wrongly', async (_, body, message) => {
    const peer = await peerAnswering(body);
    servers.push(peer.server);
    const forwarder = createHttpForwarder('a-secret-of-the-deployment');
    const outcomes = await Promise.allSettled([
      forwarder.forward(peer.url, join('a'), false),
      forwarder.forward(peer.url, join('b'), false),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const reason = (outcome as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(OwnerUnreachableError);
      expect(reason.message).toMatch(message);
    }
  });
});

describe('the forwarder and a peer that goes silent', () => {
  it('fails the request in flight after its timeout, and what queued behind it with it, without sending that to the silent peer', async () => {
    let requests = 0;
    const server = createServer((request) => {
      requests += 1;
      request.resume(); // and never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const forwarder = createHttpForwarder('a-secret-of-the-deployment', { timeoutMs: 300 });
      const inFlight = forwarder.forward(url, join('first'), false);
      inFlight.catch(() => undefined);
      while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // Queued while the first request is in flight (one per owner at a time).
      const queued = forwarder.forward(url, join('second'), false);
      for (const outcome of await Promise.allSettled([inFlight, queued])) {
        expect(outcome.status).toBe('rejected');
        expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(OwnerUnreachableError);
        expect(((outcome as PromiseRejectedResult).reason as Error).message).toMatch(/no answer within 300 ms/);
      }
      expect(requests).toBe(1);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
