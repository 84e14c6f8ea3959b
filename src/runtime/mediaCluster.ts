// The control plane's side of media on other hosts, as one reactor: it hears
// media nodes' heartbeats, records their joining, leaving and loss in the
// log, places rooms on live nodes (as events), and pushes each node its
// share of the plan. Every step is idempotent, so several API nodes may run
// it at once: the log's expected revisions make them agree.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MediaCommands } from '../commands/index.ts';
import {
  choosePlacements,
  familyRootOf,
  routerFor,
  type GrantMediaSeats,
  type MediaNodeProfile,
} from '../domain/index.ts';
import {
  createControlClient,
  createControlHandler,
  createOpaqueIds,
  createRemoteMedia,
  sharesFor,
  type FamilyShare,
  type MediaCaller,
  type MediaSignaling,
  type RtpCapabilities,
} from '../media/index.ts';
import { placementChanges, type MediaNodeEntry, type ReadModels, type RecordedEvent } from '../projections/index.ts';
import { keepMediaSeats } from './mediaSeats.ts';

export interface MediaClusterOptions {
  readonly secret: string;
  readonly commands: MediaCommands;
  /** Records a family's media seats through its mailbox (and its owner, with several API nodes). */
  readonly grantSeats: (command: GrantMediaSeats) => Promise<unknown>;
  readonly readModels: ReadModels;
  /** A node silent this long is declared lost. Default 1,500 ms (heartbeats come every 500 ms). */
  readonly lostAfterMs?: number;
  /** Placement and shares are checked this often even when nothing happened. Default 1,000 ms. */
  readonly roundMs?: number;
  readonly now?: () => Date;
  readonly onError?: (error: unknown, what: string) => void;
}

interface Heard {
  readonly instanceId: string;
  readonly at: number;
  readonly capabilities: RtpCapabilities | undefined;
  readonly listeners: number;
}

const SYSTEM = 'spillway-media-cluster';

export const createMediaCluster = (options: MediaClusterOptions) => {
  const { commands, readModels } = options;
  const lostAfterMs = options.lostAfterMs ?? 1_500;
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => undefined);
  const client = createControlClient(options.secret);
  const ids = createOpaqueIds(options.secret);
  const heard = new Map<string, Heard>();
  const pending = new Set<string>();
  const startedAt = Date.now();
  const metadata = () => ({ actor: SYSTEM, at: now().toISOString() });

  const nodes = (): MediaNodeEntry[] => readModels.mediaCluster.nodes();
  const lastHeard = (node: MediaNodeEntry): number => {
    const h = heard.get(node.nodeId);
    return h?.instanceId === node.instanceId ? h.at : startedAt;
  };
  /** Joined in the log and heard lately: the nodes placement may use. */
  const liveNodes = (): MediaNodeEntry[] =>
    nodes().filter((n) => n.status === 'joined' && Date.now() - lastHeard(n) <= lostAfterMs);

  /** Sends a command at most once at a time per key; failures are reported, the next round retries. */
  const once = (key: string, send: () => Promise<unknown>): void => {
    if (pending.has(key)) return;
    pending.add(key);
    send()
      .catch((error: unknown) => onError(error, key))
      .finally(() => pending.delete(key));
  };

  const onHeartbeat = (payload: Record<string, unknown>): void => {
    const profile = {
      nodeId: payload.nodeId,
      instanceId: payload.instanceId,
      controlUrl: payload.controlUrl,
      announcedAddress: payload.announcedAddress,
      workers: payload.workers,
      capacity: payload.capacity,
    } as MediaNodeProfile;
    if (typeof profile.nodeId !== 'string' || typeof profile.instanceId !== 'string')
      throw new TypeError('a heartbeat names its nodeId and instanceId');
    heard.set(profile.nodeId, {
      instanceId: profile.instanceId,
      at: Date.now(),
      capabilities: payload.rtpCapabilities as RtpCapabilities | undefined,
      listeners: typeof payload.listeners === 'number' ? payload.listeners : 0,
    });
    const known = nodes().find((n) => n.nodeId === profile.nodeId);
    const same =
      known?.status === 'joined' &&
      (['instanceId', 'controlUrl', 'announcedAddress', 'workers', 'capacity'] as const).every(
        (k) => known[k] === profile[k],
      );
    if (!same)
      once(`join:${profile.nodeId}`, () =>
        commands.node({ type: 'JoinMediaNode', data: profile, metadata: metadata() }),
      );
  };

  const declareSilentLost = (): void => {
    for (const node of nodes()) {
      if (node.status !== 'joined' || Date.now() - lastHeard(node) <= lostAfterMs) continue;
      const { nodeId, instanceId } = node;
      once(`lost:${nodeId}`, () =>
        commands.node({ type: 'DeclareMediaNodeLost', data: { nodeId, instanceId }, metadata: metadata() }),
      );
    }
  };

  /** Family → room → the node of each of its routers. */
  const placementMap = () =>
    new Map(readModels.mediaCluster.placements().map((p) => [p.familyId, new Map(Object.entries(p.routers))]));

  /** Places what needs placing, holds and grants seats, then tells every live node its share. */
  const round = async (): Promise<void> => {
    declareSilentLost();
    const plans = readModels.capacityPlans();
    const live = liveNodes();
    const decided = choosePlacements(
      plans.map((p) => ({ familyId: p.familyId, rooms: p.rooms })),
      live.map((n) => ({ nodeId: n.nodeId, capacity: n.capacity })),
      placementMap(),
    );
    let position = -1n;
    for (const choice of decided) {
      const result = await commands.placement({ ...choice, metadata: metadata() });
      if (result.position > position) position = result.position;
    }
    if (position >= 0n) await readModels.waitFor(position);
    await keepMediaSeats(
      { commands, grantSeats: options.grantSeats, readModels, metadata },
      plans,
      live,
      placementMap(),
    );
    // Each share carries the log position it reflects: a node refuses one older than what it applied.
    const version = readModels.position();
    const shares = sharesFor(readModels.capacityPlans(), placementMap(), live, ids);
    for (const node of live) push(node, version, shares.get(node.nodeId) ?? []);
  };

  /**
   * Sends a node its share without waiting for it: a node cut off the
   * network must not hold up placement or the others. One request per node
   * in flight; a share due meanwhile is computed afresh once it answers (a
   * share held while a node was unreachable could be stale by then), and one
   * that arrives late anyway is refused by the node for its older version.
   */
  const inFlight = new Map<string, { due: boolean }>();
  const push = (node: MediaNodeEntry, version: bigint, families: FamilyShare[]): void => {
    const flight = inFlight.get(node.nodeId);
    if (flight) {
      flight.due = true;
      return;
    }
    const mine = { due: false };
    inFlight.set(node.nodeId, mine);
    client
      .call(node.controlUrl, 'reconcile', { version: String(version), families }, 3_000)
      .catch((error: unknown) => onError(error, `reconcile:${node.nodeId}`))
      .finally(() => {
        inFlight.delete(node.nodeId);
        if (mine.due) soon();
      });
  };

  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  /** Runs a round now, or right after the one running: rounds never overlap. */
  const soon = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round()
      .catch((error: unknown) => onError(error, 'media-round'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          soon();
        }
      });
  };

  /**
   * The live node of the router that serves `caller` in `roomId`: speakers on
   * the first router's (where they produce), a listener on the router
   * `routerFor` gives them, else any live one of the room's.
   */
  const nodeOf = (roomId: string, caller?: MediaCaller) => {
    const routers = readModels.mediaCluster.placement(familyRootOf(roomId))?.routers[roomId] ?? [];
    const live = liveNodes();
    const serving = caller?.role === 'listener' ? routerFor(caller.userId, routers.length) : 0;
    const liveOf = (nodeId: string | undefined) => live.find((n) => n.nodeId === nodeId);
    return liveOf(routers[serving]) ?? (caller?.role === 'speaker' ? undefined : routers.map(liveOf).find(Boolean));
  };
  const media: MediaSignaling = createRemoteMedia({
    client,
    ids,
    nodeOf,
    node: (nodeId) => nodes().find((n) => n.nodeId === nodeId && n.status === 'joined'),
    capabilitiesOf: (nodeId) => heard.get(nodeId)?.capabilities,
    speakersOf: (roomId) => {
      const plan = readModels.capacityPlan(familyRootOf(roomId));
      return plan && { familyId: plan.familyId, speakers: plan.speakers };
    },
    onProduced: soon,
  });

  const route = createControlHandler({
    secret: options.secret,
    handle: async (op, payload) => {
      const p = (payload ?? {}) as Record<string, unknown>;
      if (op === 'mediaNodeHeartbeat') onHeartbeat(p);
      else if (op === 'mediaNodeLeft') {
        const { nodeId, instanceId } = p as { nodeId: string; instanceId: string };
        heard.delete(nodeId);
        await commands.node({ type: 'LeaveMediaNode', data: { nodeId, instanceId }, metadata: metadata() });
        soon();
      } else if (op === 'mediaRoomsLost') {
        const { nodeId, rooms } = p as { nodeId: string; rooms?: Array<{ familyId: string; roomId: string }> };
        if (!Array.isArray(rooms)) throw new TypeError('mediaRoomsLost names the rooms whose routers were lost');
        for (const lost of rooms) {
          // Opaque on the wire; rooms this API node never named (a node's own probe) are not ours to report.
          const familyId = ids.roomOf(String(lost.familyId));
          const roomId = ids.roomOf(String(lost.roomId));
          if (familyId === undefined || roomId === undefined) continue;
          await commands.placement({
            type: 'ReportRoomMediaLost',
            data: { familyId, roomId, nodeId },
            metadata: metadata(),
          });
        }
      } else throw new TypeError(`unknown control operation ${JSON.stringify(op)} for an API node`);
      return {};
    },
  });

  let timer: NodeJS.Timeout | undefined;
  let lossTimer: NodeJS.Timeout | undefined;
  return {
    /** Client signaling, relayed to the node carrying each room. */
    media,
    /** The API server's route for media nodes (heartbeats, leaving); false for other paths. */
    route: (request: IncomingMessage, response: ServerResponse): Promise<boolean> => route(request, response),
    /** Hand it the read models' committed batches: rooms and nodes changing start a round. */
    onBatch(events: readonly RecordedEvent[]): void {
      // Members who left or moved lose the media this API node made for where they were (the placement reactor's rule).
      for (const { familyId, userId, placement } of placementChanges(events))
        media.enforcePlacement(familyId, userId, placement);
      if (events.some((e) => e.streamId.startsWith('room-') || e.streamId.startsWith('media-node-'))) soon();
    },
    start(): void {
      timer = setInterval(soon, options.roundMs ?? 1_000);
      lossTimer = setInterval(declareSilentLost, Math.max(50, Math.floor(lostAfterMs / 6)));
      soon();
    },
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      clearInterval(lossTimer);
      await running;
    },
  };
};

export type MediaCluster = ReturnType<typeof createMediaCluster>;
