// Media-plane rights through the real server and its real mediasoup worker: signaling follows the
// caller's current placement, leaving or being moved closes the caller's transports, and one user
// holds only a few transports per room family, each counted against the rate limit.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, serve, signToken, type RunningServer } from '../../src/runtime/index.ts';
import { eventually, opusRtpParameters } from '../media/rtp.ts';
import { postGraphQL, type GraphQLReply } from '../support/apiServer.ts';
import { serverNamespace } from '../support/serverNamespace.ts';
import { makeTempDir } from '../support/tempDir.ts';

const SECRET = 'media-rights-test-secret-0123456789';
const CREATE = 'mutation($roomId: ID!) { createMediaTransport(roomId: $roomId) }';
const CONSUME = 'mutation($t: ID!, $c: JSON!) { consumeSpeakers(transportId: $t, rtpCapabilities: $c) }';
const RESUME = 'mutation($c: ID!) { resumeConsumer(consumerId: $c) }';
const CAPS = 'query($roomId: ID!) { routerRtpCapabilities(roomId: $roomId) }';

type Reply = GraphQLReply<Record<string, unknown>>;
const codeOf = (reply: Reply) => reply.errors?.[0]?.extensions?.code;

describe('media-plane rights (real server, real mediasoup worker)', () => {
  let api: RunningServer;
  const dir = makeTempDir('media-rights');
  const namespace = serverNamespace('media-rights');
  const internalErrors: unknown[] = [];
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = {
      SPILLWAY_JWT_SECRET: SECRET,
      ...namespace.env,
      SPILLWAY_MEDIA: 'on',
      SPILLWAY_MEDIA_IP: '127.0.0.1',
      SPILLWAY_MEDIA_WORKERS: '1',
      SPILLWAY_MEDIA_TRANSPORTS_PER_USER: '3',
    };
    api = await serve(loadConfig({ dataDir: dir.path, port: '0', host: '127.0.0.1' }, env), {
      logger: pino({ level: 'silent' }),
      // A burst of 4 × 5 = 20 changes per user.
      mutationsPerSecond: 5,
      onInternalError: (error) => internalErrors.push(error),
    });
    for (const user of ['sol', 'bob', 'cat', 'dan', 'eve', 'fay'])
      tokens[user] = await signToken(SECRET, user, ['listener']);
  });
  afterAll(async () => {
    await api.stop();
    dir.remove();
    await namespace.remove();
    expect(internalErrors).toEqual([]);
  });

  const as = (user: string, query: string, variables?: Record<string, unknown>): Promise<Reply> =>
    postGraphQL(api.url, query, { token: tokens[user], variables });
  const data = async (user: string, query: string, variables?: Record<string, unknown>) => {
    const reply = await as(user, query, variables);
    expect(reply.errors, JSON.stringify(reply.errors)).toBeUndefined();
    return reply.data!;
  };
  /**
   * The routers of `roomId` appear once the media node has reconciled a share
   * with the room's plan. Capabilities answer as soon as the placement names
   * the node (they are the node's), which can be before that: wait for both.
   */
  const capabilities = async (user: string, roomId: string): Promise<unknown> => {
    let reply: Reply | undefined;
    await eventually(async () => {
      if (!api.media!.inventory().rooms.some((r) => r.roomId === roomId && r.routers.length > 0)) return false;
      reply = await as(user, CAPS, { roomId });
      return reply.errors === undefined;
    });
    expect(reply?.errors).toBeUndefined();
    return reply!.data!.routerRtpCapabilities;
  };
  const transport = async (user: string, roomId: string): Promise<string> =>
    ((await data(user, CREATE, { roomId })).createMediaTransport as { id: string }).id;
  const listenersIn = (roomId: string): number =>
    api
      .media!.inventory()
      .rooms.find((r) => r.roomId === roomId)
      ?.routers.reduce((n, r) => n + r.listeners, 0) ?? 0;
  /** True once `check` holds, polled for at most a second: the promise the reactor makes. */
  const withinASecond = (check: () => boolean) => eventually(check, 1000);

  let stage = '';
  let overflow = '';
  let producerId = '';
  beforeAll(async () => {
    const opened = await data('sol', 'mutation { openRoom(input: { title: "Rights", capacity: 2 }) { id } }');
    stage = (opened.openRoom as { id: string }).id;
    await capabilities('sol', stage);
    const sending = await transport('sol', stage);
    // sol opened the room, so is on stage: once the plan the media plane follows says so, sol may produce.
    await eventually(async () => {
      const reply = await as(
        'sol',
        'mutation($t: ID!, $r: JSON!) { produceAudio(transportId: $t, rtpParameters: $r) }',
        {
          t: sending,
          r: opusRtpParameters(0x51),
        },
      );
      producerId = (reply.data?.produceAudio as string | undefined) ?? '';
      return producerId !== '';
    });
    expect(producerId).not.toBe('');
  });

  it('a listener who left loses their transports within a second, and can no longer consume or resume', async () => {
    await data('bob', 'mutation($r: ID!) { joinRoom(roomId: $r) { ... on Placement { role } } }', { r: stage });
    const caps = await capabilities('bob', stage);
    const receiving = await transport('bob', stage);
    const offers = (await data('bob', CONSUME, { t: receiving, c: caps })).consumeSpeakers as Array<{ id: string }>;
    expect(offers.map((o) => o)).toEqual([expect.objectContaining({ producerId, speakerUserId: 'sol' })]);
    expect(listenersIn(stage)).toBe(1);

    await data('bob', 'mutation($r: ID!) { leaveRoom(roomId: $r) { id } }', { r: stage });
    expect(await withinASecond(() => listenersIn(stage) === 0)).toBe(true);
    const consume = await as('bob', CONSUME, { t: receiving, c: caps });
    expect(codeOf(consume)).toBe('NOT_FOUND');
    expect(consume.data?.consumeSpeakers ?? null).toBeNull();
    const resume = await as('bob', RESUME, { c: offers[0]!.id });
    expect(codeOf(resume)).toBe('NOT_FOUND');
    // Nor may they start again without joining: no capabilities, no transport.
    expect(codeOf(await as('bob', CAPS, { roomId: stage }))).toBe('FORBIDDEN');
    expect(codeOf(await as('bob', CREATE, { roomId: stage }))).toBe('FORBIDDEN');
  });

  it('a listener moved onto the stage loses the transports made for the audience within a second', async () => {
    await data('cat', 'mutation($r: ID!) { joinRoom(roomId: $r) { ... on Placement { role } } }', { r: stage });
    await data('dan', 'mutation($r: ID!) { joinRoom(roomId: $r) { ... on Placement { role } } }', { r: stage });
    const joined = await data(
      'eve',
      'mutation($r: ID!) { joinRoom(roomId: $r) { ... on Placement { room { id parentId } } } }',
      {
        r: stage,
      },
    );
    overflow = (joined.joinRoom as { room: { id: string } }).room.id;
    expect(overflow).not.toBe(stage);
    await capabilities('eve', overflow);
    const listening = await transport('eve', overflow);
    expect(listenersIn(overflow)).toBe(1);

    await data('sol', 'mutation($r: ID!) { inviteToSpeak(roomId: $r, userId: "eve") { id } }', { r: stage });
    await data('eve', 'mutation($r: ID!) { acceptInvite(roomId: $r) { id } }', { r: stage });
    expect(await withinASecond(() => listenersIn(overflow) === 0)).toBe(true);
    expect(codeOf(await as('eve', CONSUME, { t: listening, c: await capabilities('eve', stage) }))).toBe('NOT_FOUND');
    // On stage now, eve makes a transport there, as a speaker (not counted among the listeners).
    const speaking = await transport('eve', stage);
    expect(listenersIn(stage)).toBe(0);

    // Moved back to the audience, eve can no longer send on the stage's transport: it is gone.
    await data('sol', 'mutation($r: ID!) { moveToAudience(roomId: $r, userId: "eve") { id } }', { r: stage });
    const produce = async () =>
      as('eve', 'mutation($t: ID!, $r: JSON!) { produceAudio(transportId: $t, rtpParameters: $r) }', {
        t: speaking,
        r: opusRtpParameters(0xe7),
      });
    expect(await eventually(async () => codeOf(await produce()) === 'NOT_FOUND', 1000)).toBe(true);
    expect((await produce()).errors?.[0]?.message).toMatch(/does not exist/);
  });

  it('one user holds at most the configured transports per room family; closing one frees its place', async () => {
    const made = [await transport('cat', stage), await transport('cat', stage), await transport('cat', stage)];
    const fourth = await as('cat', CREATE, { roomId: stage });
    expect(codeOf(fourth)).toBe('RATE_LIMITED');
    expect(fourth.errors?.[0]?.message).toMatch(/cat already has 3 media transports in room .*; close one/);
    expect(fourth.data?.createMediaTransport ?? null).toBeNull();
    // Concurrent requests cannot pass the limit together either.
    await data('cat', 'mutation($t: ID!) { closeMediaTransport(transportId: $t) }', { t: made[0] });
    const racing = await Promise.all([1, 2, 3].map(() => as('cat', CREATE, { roomId: stage })));
    expect(racing.filter((reply) => reply.errors === undefined)).toHaveLength(1);
    expect(listenersIn(stage)).toBe(3);
  });

  it('refuses a transport limit that is not a whole number from 1 to 64, naming the setting', () => {
    for (const bad of ['0', '65', 'four', '2.5']) {
      expect(() =>
        loadConfig({ dataDir: dir.path }, { SPILLWAY_JWT_SECRET: SECRET, SPILLWAY_MEDIA_TRANSPORTS_PER_USER: bad }),
      ).toThrow(`SPILLWAY_MEDIA_TRANSPORTS_PER_USER "${bad}" must be a whole number from 1 to 64.`);
    }
  });

  it('every transport created counts against the rate limit', async () => {
    const joined = await data(
      'fay',
      'mutation($r: ID!) { joinRoom(roomId: $r) { ... on Placement { room { id } } } }',
      { r: stage },
    );
    // Wherever fay was seated (eve's overflow room may have drained meanwhile), once its router is up.
    const room = (joined.joinRoom as { room: { id: string } }).room.id;
    await capabilities('fay', room);
    const codes: unknown[] = [];
    let refusal = '';
    for (let i = 0; i < 100 && !codes.includes('RATE_LIMITED'); i++) {
      const reply = await as('fay', CREATE, { roomId: room });
      codes.push(codeOf(reply) ?? 'ok');
      refusal = reply.errors?.[0]?.message ?? '';
      const id = (reply.data?.createMediaTransport as { id?: string } | null)?.id;
      // Closing is a mutation field too, so it is charged like the creation (and may be the one refused).
      if (id) await as('fay', 'mutation($t: ID!) { closeMediaTransport(transportId: $t) }', { t: id });
    }
    expect(codes.at(-1)).toBe('RATE_LIMITED');
    expect(refusal).toMatch(/Too many changes from fay/);
    expect(codes.filter((code) => code === 'ok').length, JSON.stringify(codes)).toBeGreaterThanOrEqual(10);
  });
});
