import { describe, expect, it } from 'vitest';
import {
  executeMediaNode,
  replayMediaNode,
  type MediaNodeCommand,
  type MediaNodeEvent,
  type MediaNodeProfile,
  type MediaNodeState,
} from '../../src/domain/mediaNode.ts';
import {
  choosePlacements,
  routerFor,
  executeMediaPlacement,
  replayMediaPlacement,
  type MediaPlacementCommand,
  type MediaPlacementEvent,
  type MediaPlacementState,
} from '../../src/domain/mediaPlacement.ts';
import { AT, deciderSpec } from './given.ts';

const meta = { actor: 'system', at: AT };
const profile = (overrides: Partial<MediaNodeProfile> = {}): MediaNodeProfile => ({
  nodeId: 'b',
  instanceId: 'i1',
  controlUrl: 'http://10.0.0.2:7000',
  announcedAddress: '10.0.0.2',
  workers: 2,
  capacity: 1600,
  ...overrides,
});
const join = (overrides: Partial<MediaNodeProfile> = {}): MediaNodeCommand => ({
  type: 'JoinMediaNode',
  data: profile(overrides),
  metadata: meta,
});
const joined = (overrides: Partial<MediaNodeProfile> = {}): MediaNodeEvent => ({
  type: 'MediaNodeJoined',
  data: { ...profile(overrides), at: AT },
});

const node = deciderSpec<MediaNodeEvent, MediaNodeCommand, MediaNodeState>(replayMediaNode, executeMediaNode);
const placement = deciderSpec<MediaPlacementEvent, MediaPlacementCommand, MediaPlacementState>(
  replayMediaPlacement,
  executeMediaPlacement,
);

describe('media node membership', () => {
  it('records a first join, and nothing for the same profile again (every heartbeat may join)', () => {
    node().when(join()).then([joined()]);
    node(joined()).when(join()).then([]);
  });

  it('declares a restarted process lost before its successor joins: its media is gone', () => {
    node(joined())
      .when(join({ instanceId: 'i2' }))
      .then([
        { type: 'MediaNodeDeclaredLost', data: { nodeId: 'b', instanceId: 'i1', reason: 'restarted', at: AT } },
        joined({ instanceId: 'i2' }),
      ]);
  });

  it('declares a silent node lost once, and ignores a stale loss of an earlier instance', () => {
    const lose = (instanceId: string): MediaNodeCommand => ({
      type: 'DeclareMediaNodeLost',
      data: { nodeId: 'b', instanceId },
      metadata: meta,
    });
    const lost: MediaNodeEvent = {
      type: 'MediaNodeDeclaredLost',
      data: { nodeId: 'b', instanceId: 'i1', reason: 'silent', at: AT },
    };
    node(joined()).when(lose('i1')).then([lost]);
    node(joined(), lost).when(lose('i1')).then([]);
    node(joined({ instanceId: 'i2' }))
      .when(lose('i1'))
      .then([]);
    node(joined(), lost).when(join()).then([joined()]);
    node()
      .when(lose('i1'))
      .thenThrows('MEDIA_NODE_NOT_FOUND', /never joined/);
  });

  it('refuses a profile it cannot use, naming the field', () => {
    node()
      .when(join({ controlUrl: 'ftp://x' }))
      .thenThrows('INVALID_COMMAND', /controlUrl/);
    node()
      .when(join({ capacity: 0 }))
      .thenThrows('INVALID_COMMAND', /capacity/);
    node()
      .when(join({ nodeId: 'no spaces' }))
      .thenThrows('INVALID_COMMAND', /nodeId/);
  });
});

describe('room media placement', () => {
  const place = (roomId: string, nodeId: string, replacing: string | null = null): MediaPlacementCommand => ({
    type: 'PlaceRoomMedia',
    data: { familyId: 'r', roomId, nodeId, replacing },
    metadata: meta,
  });
  const placed = (roomId: string, nodeId: string, previousNodeId: string | null = null): MediaPlacementEvent => ({
    type: 'RoomMediaPlaced',
    data: { familyId: 'r', roomId, nodeId, previousNodeId, at: AT },
  });

  it('places, moves (naming the node it left) and releases, each at most once', () => {
    placement()
      .when(place('r', 'b'))
      .then([placed('r', 'b')]);
    placement(placed('r', 'b'))
      .when(place('r', 'b', 'b'))
      .then([]);
    placement(placed('r', 'b'))
      .when(place('r', 'c', 'b'))
      .then([placed('r', 'c', 'b')]);
    // Another API node placed it first: a placement decided from the older state decides nothing.
    placement(placed('r', 'b')).when(place('r', 'c')).then([]);
    placement(placed('r', 'b'), placed('r', 'c', 'b'))
      .when(place('r', 'd', 'b'))
      .then([]);
    const release: MediaPlacementCommand = {
      type: 'ReleaseRoomMedia',
      data: { familyId: 'r', roomId: 'r' },
      metadata: meta,
    };
    placement(placed('r', 'b'))
      .when(release)
      .then([{ type: 'RoomMediaReleased', data: { familyId: 'r', roomId: 'r', nodeId: 'b', at: AT } }]);
    placement().when(release).then([]);
  });

  it('records routers lost on the node a room is placed on, and nothing for a report from another node', () => {
    const report = (nodeId: string): MediaPlacementCommand => ({
      type: 'ReportRoomMediaLost',
      data: { familyId: 'r', roomId: 'r', nodeId },
      metadata: meta,
    });
    const state = placement(placed('r', 'b'))
      .when(report('b'))
      .then([
        { type: 'RoomMediaLost', data: { familyId: 'r', roomId: 'r', nodeId: 'b', reason: 'workerDied', at: AT } },
      ]);
    expect(state.get('r')).toEqual(['b']);
    placement(placed('r', 'b')).when(report('c')).then([]);
    placement().when(report('b')).then([]);
  });

  it('chooses the live node with the most free capacity, moves rooms off lost nodes, releases closed rooms', () => {
    const rooms = [
      { roomId: 'r', open: true, listeners: 3 },
      { roomId: 'r.overflow-1', open: true, listeners: 2 },
      { roomId: 'r.overflow-2', open: false, listeners: 0 },
    ];
    const nodes = [
      { nodeId: 'c', capacity: 10 },
      { nodeId: 'b', capacity: 10 },
    ];
    expect(choosePlacements([{ familyId: 'r', rooms }], nodes, new Map())).toEqual([
      { type: 'PlaceRoomMedia', data: { familyId: 'r', roomId: 'r', nodeId: 'b', replacing: null } },
      { type: 'PlaceRoomMedia', data: { familyId: 'r', roomId: 'r.overflow-1', nodeId: 'c', replacing: null } },
    ]);
    const current = new Map([
      [
        'r',
        new Map([
          ['r', ['b']],
          ['r.overflow-1', ['c']],
          ['r.overflow-2', ['c']],
        ]),
      ],
    ]);
    expect(choosePlacements([{ familyId: 'r', rooms }], [{ nodeId: 'b', capacity: 10 }], current)).toEqual([
      { type: 'ReleaseRoomMedia', data: { familyId: 'r', roomId: 'r.overflow-2' } },
      { type: 'PlaceRoomMedia', data: { familyId: 'r', roomId: 'r.overflow-1', nodeId: 'b', replacing: 'c' } },
    ]);
    expect(choosePlacements([{ familyId: 'r', rooms }], [], new Map())).toEqual([]);
  });

  it('spans a room’s routers over nodes when its node has no room for the next one, and gives them back from the top', () => {
    const room = (listeners: number, routers: number) => [{ roomId: 'r', open: true, listeners, routers }];
    const nodes = [
      { nodeId: 'b', capacity: 255 },
      { nodeId: 'c', capacity: 255 },
    ];
    const placed = (...routers: string[]) => new Map([['r', new Map([['r', routers]])]]);
    // 260 listeners: the first router's 250 on b, the second's 10 do not fit there (5 left), so c.
    expect(choosePlacements([{ familyId: 'r', rooms: room(260, 2) }], nodes, placed('b'))).toEqual([
      { type: 'PlaceRoomMedia', data: { familyId: 'r', roomId: 'r', nodeId: 'c', replacing: null, router: 1 } },
    ]);
    // On a roomier b, the second router goes beside the first.
    const roomy = [{ nodeId: 'b', capacity: 1000 }, ...nodes.slice(1)];
    expect(choosePlacements([{ familyId: 'r', rooms: room(260, 2) }], roomy, placed('b'))).toEqual([
      { type: 'PlaceRoomMedia', data: { familyId: 'r', roomId: 'r', nodeId: 'b', replacing: null, router: 1 } },
    ]);
    expect(choosePlacements([{ familyId: 'r', rooms: room(260, 2) }], nodes, placed('b', 'c'))).toEqual([]);
    expect(choosePlacements([{ familyId: 'r', rooms: room(40, 1) }], nodes, placed('b', 'c'))).toEqual([
      { type: 'ReleaseRoomMedia', data: { familyId: 'r', roomId: 'r', router: 1 } },
    ]);
  });

  it('records a router past the first with its index, releases from a router up, and replays the older shape', () => {
    const state = placement(placed('r', 'b'))
      .when({
        type: 'PlaceRoomMedia',
        data: { familyId: 'r', roomId: 'r', nodeId: 'c', replacing: null, router: 1 },
        metadata: meta,
      })
      .then([
        {
          type: 'RoomMediaPlaced',
          data: { familyId: 'r', roomId: 'r', nodeId: 'c', previousNodeId: null, router: 1, at: AT },
        },
      ]);
    expect(state.get('r')).toEqual(['b', 'c']);
    const second: MediaPlacementEvent = {
      type: 'RoomMediaPlaced',
      data: { familyId: 'r', roomId: 'r', nodeId: 'c', previousNodeId: null, router: 1, at: AT },
    };
    const shrunk = placement(placed('r', 'b'), second)
      .when({ type: 'ReleaseRoomMedia', data: { familyId: 'r', roomId: 'r', router: 1 }, metadata: meta })
      .then([{ type: 'RoomMediaReleased', data: { familyId: 'r', roomId: 'r', nodeId: 'c', router: 1, at: AT } }]);
    expect(shrunk.get('r')).toEqual(['b']);
    // A worker died on c, where the room's second router is: its clients are told.
    placement(placed('r', 'b'), second)
      .when({ type: 'ReportRoomMediaLost', data: { familyId: 'r', roomId: 'r', nodeId: 'c' }, metadata: meta })
      .then([
        { type: 'RoomMediaLost', data: { familyId: 'r', roomId: 'r', nodeId: 'c', reason: 'workerDied', at: AT } },
      ]);
    placement(placed('r', 'b'))
      .when({
        type: 'PlaceRoomMedia',
        data: { familyId: 'r', roomId: 'r', nodeId: 'c', replacing: null, router: -1 },
        metadata: meta,
      })
      .thenThrows('INVALID_COMMAND', /router must be a whole number/);
  });

  it('serves each listener from the same one of a room’s routers on every API node, spread over all of them', () => {
    const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const counts = [0, 0, 0, 0];
    for (const user of users) counts[routerFor(user, 4)]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(60);
    expect(users.map((u) => routerFor(u, 4))).toEqual(users.map((u) => routerFor(u, 4)));
    expect(routerFor('anyone', 1)).toBe(0);
  });

  it('weighs a warm room by the listeners it was prewarmed for, before they arrive', () => {
    const nodes = [
      { nodeId: 'b', capacity: 10 },
      { nodeId: 'c', capacity: 10 },
    ];
    const family = (warmFor: number) => [
      {
        familyId: 'w',
        rooms: [
          { roomId: 'w', open: true, listeners: 0, warmFor },
          { roomId: 'w.overflow-1', open: true, listeners: 0, warmFor: 1 },
          { roomId: 'w.overflow-2', open: true, listeners: 0, warmFor: 1 },
        ],
      },
    ];
    const nodeOf = (warmFor: number) =>
      choosePlacements(family(warmFor), nodes, new Map()).map((c) =>
        c.type === 'PlaceRoomMedia' ? c.data.nodeId : 'released',
      );
    expect(nodeOf(8)).toEqual(['b', 'c', 'c']);
    expect(nodeOf(0)).toEqual(['b', 'c', 'b']);
  });
});
