// Media for the serve process, by SPILLWAY_MEDIA. Both forms are the same
// code: the media cluster reactor places rooms on media nodes (as events)
// and tells each node its share. `cluster`: the nodes are `spillway
// media-node`s on other hosts, over the signed HTTP channel. `on`
// (embedded): one node in this process, `local`, reached over the in-process
// control channel and told rooms and users by their own ids (nothing it is
// told leaves the process). `off`: none.
import { randomBytes } from 'node:crypto';
import { createMediaCommands } from '../commands/index.ts';
import type { GrantMediaSeats } from '../domain/index.ts';
import { createLocalControl, createLocalIds, startMediaNode, type RunningMediaNode } from '../media/index.ts';
import type { SpillwayConfig } from './config.ts';
import type { Engine } from './engine.ts';
import { createMediaCluster, type MediaCluster } from './mediaCluster.ts';
import type { StartupUndo } from './startup.ts';

/** The embedded node's id in the log (`media-node-local`). */
export const LOCAL_MEDIA_NODE = 'local';
/**
 * A node in this process cannot be cut off; only a stalled event loop could
 * keep its heartbeats back, and that is no reason to re-place its rooms.
 */
const LOCAL_LOST_AFTER_MS = 30_000;

export interface MediaParts {
  readonly engine: Engine;
  /** Records a family's media seats through its mailbox (and its owner, with several API nodes). */
  readonly grantSeats: (command: GrantMediaSeats) => Promise<unknown>;
  readonly onError: (error: unknown, what: string) => void;
}

export interface OpenedMedia {
  /** Placement, shares and client signaling (absent with SPILLWAY_MEDIA=off). */
  readonly cluster: MediaCluster | undefined;
  /** The embedded media node (SPILLWAY_MEDIA=on). */
  readonly node: RunningMediaNode | undefined;
}

export const openMedia = async (
  config: SpillwayConfig,
  { engine, grantSeats, onError }: MediaParts,
  startup: StartupUndo,
): Promise<OpenedMedia> => {
  const shared = { commands: createMediaCommands(engine.store), grantSeats, readModels: engine.readModels, onError };
  if (config.mediaCluster)
    return { cluster: createMediaCluster({ ...shared, secret: config.mediaCluster.secret }), node: undefined };
  const { media } = config;
  if (!media.enabled) return { cluster: undefined, node: undefined };
  const local = createLocalControl();
  // Signs nothing that leaves the process; the channel's code wants one all the same.
  const secret = randomBytes(32).toString('base64url');
  const cluster = createMediaCluster({
    ...shared,
    secret,
    client: local.client(secret),
    ids: createLocalIds(),
    // Embedded rooms are not gated on media seats (RoomOpened.mediaGated stays unset).
    gated: false,
    lostAfterMs: LOCAL_LOST_AFTER_MS,
  });
  startup.opened(local.serve('api', { handle: cluster.handle }), (served) => served.close());
  const node = startup.opened(
    await startMediaNode({
      nodeId: LOCAL_MEDIA_NODE,
      secret,
      local,
      apiUrls: ['local:api'],
      listenIp: media.listenIp,
      ...(media.announcedAddress ? { announcedAddress: media.announcedAddress } : {}),
      ...(media.workers ? { workers: media.workers } : {}),
      maxTransportsPerUser: media.maxTransportsPerUser,
      onError: (error) => onError(error, 'media-node'),
    }),
    (started) => started.close(),
  );
  return { cluster, node };
};
