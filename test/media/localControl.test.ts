// The in-process control channel (embedded media's): the same operations and
// JSON bodies as the signed HTTP channel, the same refusals on the caller's
// side, and any http(s) URL still goes over the network, signed.
import { describe, expect, it } from 'vitest';
import {
  ControlCallError,
  createLocalControl,
  RemoteMediaError,
  RoomMediaNotFoundError,
  serveControl,
} from '../../src/media/index.ts';

const SECRET = 'local-control-test-secret-0123';

describe('the in-process control channel', () => {
  it('hands the handler a copy of the body as JSON would carry it, and the caller a copy of the answer', async () => {
    const local = createLocalControl();
    const bodies: Array<[string, string]> = [];
    const kept: unknown[] = [];
    const answer = { made: { id: 't1' } };
    const served = local.serve('node', {
      handle: async (op, payload) => {
        kept.push(payload);
        return op === 'echo' ? answer : { op };
      },
      onRequest: (op, body) => bodies.push([op, body]),
    });
    expect(served.url).toBe('local:node');
    const sent = { caller: { userId: 'p1', roomId: 'm1' }, at: new Date(0), skip: undefined };
    const got = await local.client(SECRET).call<typeof answer>(served.url, 'echo', sent);
    expect(got).toEqual(answer);
    expect(got).not.toBe(answer);
    expect(kept[0]).toEqual({ caller: { userId: 'p1', roomId: 'm1' }, at: '1970-01-01T00:00:00.000Z' });
    expect(kept[0]).not.toBe(sent);
    expect(bodies).toEqual([['echo', JSON.stringify(sent)]]);
  });

  it('refuses as the HTTP channel does: media errors keep their code, bad input stays a TypeError', async () => {
    const local = createLocalControl();
    local.serve('node', {
      handle: async (op) => {
        if (op === 'media') throw new RoomMediaNotFoundError('m1');
        if (op === 'input') throw new TypeError('payload.caller must be an object');
        throw new Error('disk on fire');
      },
    });
    const client = local.client(SECRET);
    const media = await client.call('local:node', 'media', {}).catch((e: unknown) => e);
    expect(media).toBeInstanceOf(RemoteMediaError);
    expect(media).toMatchObject({ code: 'ROOM_MEDIA_NOT_FOUND', message: expect.stringContaining('m1') });
    const input = await client.call('local:node', 'input', {}).catch((e: unknown) => e);
    expect(input).toBeInstanceOf(TypeError);
    expect((input as Error).message).toBe('payload.caller must be an object');
    await expect(client.call('local:node', 'other', {})).rejects.toThrow(
      new ControlCallError('local:node refused other: disk on fire'),
    );
    await expect(client.call('local:node', 'no/such', {})).rejects.toBeInstanceOf(ControlCallError);
  });

  it('answers nothing where nothing is served, or no longer; one handler per name, names as node ids', async () => {
    const local = createLocalControl();
    const client = local.client(SECRET);
    await expect(client.call('local:nobody', 'inventory', {})).rejects.toThrow(
      /local:nobody did not answer inventory: nothing is served there in this process/,
    );
    const served = local.serve('node', { handle: async () => ({}) });
    expect(() => local.serve('node', { handle: async () => ({}) })).toThrow(/local:node is already served/);
    expect(() => local.serve('a b', { handle: async () => ({}) })).toThrow(/letters, digits/);
    await served.close();
    await expect(client.call('local:node', 'inventory', {})).rejects.toBeInstanceOf(ControlCallError);
    // Another process's channel is another one: its names are not this one's.
    await expect(createLocalControl().client(SECRET).call('local:node', 'x', {})).rejects.toBeInstanceOf(
      ControlCallError,
    );
  });

  it('sends an http URL over the network, signed with the secret', async () => {
    const server = await serveControl({ host: '127.0.0.1', port: 0, secret: SECRET, handle: async (op) => ({ op }) });
    try {
      const local = createLocalControl();
      expect(await local.client(SECRET).call(server.url, 'inventory', {})).toEqual({ op: 'inventory' });
      await expect(local.client(`${SECRET}-other`).call(server.url, 'inventory', {})).rejects.toThrow(
        /refused inventory \(401\)/,
      );
    } finally {
      await server.close();
    }
  });
});
