// Two media nodes (two processes' worth of workers, each its own control
// server) and the signed channel between them: a speaker's RTP produced on
// the source node reaches a listener on the receiving node through one SRTP
// PipeTransport, made and closed by reconcile. The multi-host form of this
// test (network namespaces) is test/media/cluster/hosts.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import {
  createControlClient,
  type ConsumerParameters,
  startMediaNode,
  type FamilyShare,
  type MediaInventory,
  type RunningMediaNode,
} from '../../src/media/index.ts';
import { eventually, opusRtpParameters, RtpReceiver, RtpSender, ssrcOf } from './rtp.ts';

const SECRET = 'test-control-secret-0123456789';

describe('cross-host fan-out through SRTP pipes', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  const node = async (nodeId: string): Promise<RunningMediaNode> => {
    const n = await startMediaNode({ nodeId, secret: SECRET, listenIp: '127.0.0.1', apiUrls: [], workers: 1 });
    cleanup.push(() => n.close());
    return n;
  };
  const client = createControlClient(SECRET);

  it('pipes each producer once per receiving node, whatever the number of its routers', async () => {
    const [b, c] = [await node('b'), await node('c')];
    const source: FamilyShare = {
      familyId: 'f',
      speakers: ['p-alice'],
      rooms: [{ roomId: 'f', routers: 1 }],
      source: null,
      receivers: ['c'],
    };
    const receiving: FamilyShare = {
      familyId: 'f',
      speakers: ['p-alice'],
      rooms: [
        { roomId: 'o1', routers: 2 },
        { roomId: 'o2', routers: 1 },
      ],
      source: { nodeId: 'b', controlUrl: b.controlUrl },
      receivers: [],
    };
    await client.call(b.controlUrl, 'reconcile', { version: '1', families: [source] });
    const speakerTransport = await client.call<{ id: string; port: number }>(b.controlUrl, 'createPlainRtpTransport', {
      caller: { userId: 'p-alice', roomId: 'f', role: 'speaker' },
    });
    const { producerId } = await client.call<{ producerId: string }>(b.controlUrl, 'produce', {
      userId: 'p-alice',
      transportId: speakerTransport.id,
      kind: 'audio',
      rtpParameters: opusRtpParameters(0x4444),
    });
    const sender = new RtpSender(0x4444, speakerTransport.port);
    cleanup.push(() => sender.stop());

    const report = await client.call<{ pulled: number }>(c.controlUrl, 'reconcile', {
      version: '1',
      families: [receiving],
    });
    expect(report.pulled).toBe(1);
    const again = await client.call<{ pulled: number; routersCreated: number }>(c.controlUrl, 'reconcile', {
      version: '1',
      families: [receiving],
    });
    expect(again).toMatchObject({ pulled: 0, routersCreated: 0 });

    const receiver = await RtpReceiver.open();
    cleanup.push(() => receiver.close());
    const listener = await client.call<{ id: string }>(c.controlUrl, 'createPlainRtpTransport', {
      caller: { userId: 'p-lena', roomId: 'o2', role: 'listener' },
      remote: { ip: '127.0.0.1', port: receiver.port },
    });
    const consumers = await client.call<ConsumerParameters[]>(c.controlUrl, 'consumeSpeakers', {
      userId: 'p-lena',
      transportId: listener.id,
      rtpCapabilities: c.plane.routerRtpCapabilities('o2'),
    });
    expect(consumers.map((x) => [x.producerId, x.speakerUserId])).toEqual([[producerId, 'p-alice']]);
    await client.call(c.controlUrl, 'resumeConsumer', { userId: 'p-lena', consumerId: consumers[0]!.id });
    expect(await eventually(() => (receiver.bySsrc.get(ssrcOf(consumers[0]!)) ?? 0) >= 25)).toBe(true);

    // One SRTP pipe transport on each side of the hop; on the receiver, local pipes feed its three routers.
    const inventory = (n: RunningMediaNode): MediaInventory => n.plane.inventory();
    expect(inventory(b).rooms.map((r) => r.roomId)).toEqual(['f']);
    expect(inventory(b).hostPipes).toEqual([
      { familyId: 'f', direction: 'out', nodeId: 'c', producers: 1, srtp: true },
    ]);
    expect(inventory(c).hostPipes).toEqual([{ familyId: 'f', direction: 'in', nodeId: 'b', producers: 1, srtp: true }]);
    const overflowRouters = c.plane
      .inventory()
      .rooms.filter((r) => r.roomId !== 'f')
      .flatMap((r) => r.routers);
    expect(overflowRouters.map((r) => r.pipes)).toEqual([1, 1, 1]);

    // The receiver's rooms move away: reconcile on the source closes its pipe, the receiver's go with its routers.
    await client.call(c.controlUrl, 'reconcile', { version: '2', families: [] });
    await client.call(b.controlUrl, 'reconcile', { version: '2', families: [{ ...source, receivers: [] }] });
    expect(inventory(b).hostPipes).toEqual([]);
    expect(inventory(c).rooms).toEqual([]);
    const before = receiver.total();
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.total()).toBeLessThanOrEqual(before + 1);
  });

  it('refuses a share older than the one it applied: a superseded share delivered late changes nothing', async () => {
    const b = await node('b');
    const family = (familyId: string): FamilyShare => ({
      familyId,
      speakers: [],
      rooms: [{ roomId: familyId, routers: 1 }],
      source: null,
      receivers: [],
    });
    const rooms = () => b.plane.inventory().rooms.map((r) => r.roomId);
    const share = (version: string, families: FamilyShare[]) =>
      client.call<{ stale?: boolean; routersCreated?: number }>(b.controlUrl, 'reconcile', { version, families });
    expect(await share('10', [family('now')])).toMatchObject({ routersCreated: 1 });
    // Computed at position 7, before the room was placed here: it would close it.
    expect(await share('7', [])).toEqual({ stale: true, applied: '10' });
    expect(rooms()).toEqual(['now']);
    // The same position again is the same share (every round may send it); a newer one applies.
    expect(await share('10', [family('now')])).toMatchObject({ routersCreated: 0 });
    expect(await share('12', [family('later')])).toMatchObject({ routersCreated: 1, routersClosed: 1 });
    expect(rooms()).toEqual(['later']);
    await expect(client.call(b.controlUrl, 'reconcile', { families: [] })).rejects.toThrow(/share.version must be/);
    expect(rooms()).toEqual(['later']);
  });

  it('refuses requests that are unsigned, signed with another secret, or replayed', async () => {
    const b = await node('b');
    const unsigned = await fetch(`${b.controlUrl}/control/inventory`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toMatch(/unsigned request/);
    await expect(createControlClient('another-secret-of-16-chars').call(b.controlUrl, 'inventory', {})).rejects.toThrow(
      /bad signature/,
    );
    await expect(client.call(b.controlUrl, 'inventory', {})).resolves.toMatchObject({ rooms: [] });
  });
});
