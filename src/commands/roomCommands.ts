import { randomUUID } from 'node:crypto';
import {
  execute,
  familyRootOf,
  mirrorToOverflowRooms,
  roomIdRefusal,
  roomStreamId,
  TransitionRefusedError,
  type MirroredEvent,
  type RoomCommand,
  type RoomEvent,
  type RoomState,
} from '../domain/index.ts';
import type { EventStore, EventToAppend, SnapshotStore, StreamWrite } from '../eventstore/index.ts';
import { loadStream, retryOnConflict, type Loaded } from './commandHandler.ts';
import { metadataOf } from './decider.ts';
import { roomDecider } from './deciders.ts';
import { CommandPathClosedError } from './errors.ts';
import { createMailboxes, type MailboxLimits } from './mailboxes.ts';

/** A room as its writer holds it: the state and the revision of its stream it reflects (-1n: no stream). */
export type LoadedRoom = Loaded<RoomState>;

export interface RoomCommandOptions {
  /** Commands decided together and appended as one batch, at most. Default 1,000; 1 turns batching off. */
  readonly maxBatch?: number;
  /**
   * Between two turns of a family that is still receiving commands, wait
   * this long for more before deciding again, unless a quarter of `maxBatch`
   * is already waiting. A turn costs its append and, on a networked log,
   * every node's read of it; under a surge, fewer and larger turns cost far
   * less per command. Only commands that arrived while the last turn was
   * deciding and appending make a family busy: a family's first turn, and a
   * caller that sends its next command once answered, never wait. Default 0.
   */
  readonly turnGatherMs?: number;
  /** Reload-and-retry rounds after another process wrote first. Default 5. */
  readonly maxRetries?: number;
  /** A snapshot after this many new events in a room's stream. Default 1,000. */
  readonly snapshotEvery?: number;
  /** Told the log position after each append (the read models' lag counts from it). */
  readonly onAppended?: (position: bigint) => void;
  /** How many families stay loaded, and how long idle (defaults: DEFAULT_MAILBOX_LIMITS). */
  readonly held?: Partial<MailboxLimits>;
  /**
   * Rooms opened here admit listeners only within the media seats granted
   * to them (MediaSeatsGranted): on when media runs on other hosts.
   */
  readonly gateJoinsOnMedia?: boolean;
  /**
   * The deployment's settings for rooms opened here (OpenRoom, PrewarmRoom)
   * whose command does not name them, whoever sends it: the API, a
   * session's job, the CLI. Absent: the domain's defaults.
   */
  readonly roomDefaults?: RoomDefaults;
  /**
   * Told the family's state after each turn that decided on it (nothing of it
   * may change it, nor throw): spawnWindowWakeUps.ts arms its timers from it.
   */
  readonly onTurn?: (familyId: string, state: RoomState) => void;
}

/** What a deployment sets for the rooms it opens (SPILLWAY_QUEUE_CAPACITY, SPILLWAY_SPAWN_WINDOW_MS). */
export interface RoomDefaults {
  readonly queueCapacity?: number;
  readonly spawnWindowMs?: number;
}

/** What a command did: its events, and where the log holds them. */
export interface CommandResult {
  /** The main room of the family the command went to. */
  readonly roomId: string;
  readonly events: readonly RoomEvent[];
  /** The main room's stream revision after the batch that recorded them. */
  readonly revision: bigint;
  /**
   * The log position a reader must reach to see all of it, overflow rooms'
   * streams included (-1n when the command recorded nothing).
   */
  readonly position: bigint;
}

interface Pending {
  readonly command: RoomCommand;
  readonly resolve: (result: CommandResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Decided {
  readonly pending: Pending;
  readonly events: RoomEvent[];
  readonly metadata: Record<string, unknown>;
}

interface Mirrored {
  readonly mirrored: MirroredEvent;
  readonly metadata: Record<string, unknown>;
}

/**
 * The command path: load, decide, append. Each room family has a mailbox:
 * while one append is in flight, later commands queue; the next turn decides
 * all of them against the in-memory state and appends their events as one
 * batch with one expected revision (group commit). Each caller gets its own
 * result or its own error. Overflow rooms' own streams are appended with the
 * main room's, mirroring what it decided. Loading, metadata and the bounded
 * retry on conflict are the ones every decider's path uses (commandHandler.ts).
 */
export const createRoomCommands = (store: EventStore, snapshots: SnapshotStore, options: RoomCommandOptions = {}) => {
  const maxBatch = options.maxBatch ?? 1000;
  const turnGatherMs = options.turnGatherMs ?? 0;
  if (!Number.isFinite(turnGatherMs) || turnGatherMs < 0) {
    throw new RangeError(`turnGatherMs must be a number of milliseconds of at least 0; got ${turnGatherMs}.`);
  }
  const maxRetries = options.maxRetries ?? 5;
  const snapshotEvery = BigInt(options.snapshotEvery ?? 1000);
  const loadRoom = (roomId: string): Promise<LoadedRoom> => loadStream(store, snapshots, roomDecider, roomId);

  interface Mailbox {
    readonly roomId: string;
    room: LoadedRoom | undefined;
    lastSnapshot: bigint;
    readonly queue: Pending[];
    running: Promise<void> | undefined;
    /** Commands arrived while the last turn was deciding and appending (not those its answers sent): busy. */
    busy: boolean;
  }
  const mailboxes = createMailboxes<Mailbox>({
    make: (roomId) => ({ roomId, room: undefined, lastSnapshot: -1n, queue: [], running: undefined, busy: false }),
    isIdle: (mailbox) => mailbox.running === undefined && mailbox.queue.length === 0,
    ...(options.held ? { limits: options.held } : {}),
  });
  let closing = false;
  const defaults = options.roomDefaults ?? {};
  /** A command that opens a room, with what the deployment sets for rooms and the command leaves out. */
  const withRoomDefaults = (command: RoomCommand): RoomCommand => {
    if (command.type !== 'OpenRoom' && command.type !== 'PrewarmRoom') return command;
    const { queueCapacity, spawnWindowMs } = command.data;
    const data = {
      ...command.data,
      ...(queueCapacity === undefined && defaults.queueCapacity !== undefined
        ? { queueCapacity: defaults.queueCapacity }
        : {}),
      ...(spawnWindowMs === undefined && defaults.spawnWindowMs !== undefined
        ? { spawnWindowMs: defaults.spawnWindowMs }
        : {}),
      ...(options.gateJoinsOnMedia === true ? { mediaGated: true } : {}),
    };
    return { ...command, data } as RoomCommand;
  };

  /**
   * Decides a batch against the room's state, evolving it as it goes. Refusals
   * are only collected: they are answered once the batch is in the log, since
   * a retry after a conflict decides everything again on fresher state.
   */
  const decideBatch = (room: LoadedRoom, batch: Pending[]) => {
    const decided: Decided[] = [];
    const refused: Array<{ pending: Pending; error: unknown }> = [];
    const mirrored: Mirrored[] = [];
    for (let i = 0; i < batch.length; i += 1) {
      const pending = batch[i]!;
      try {
        const metadata = metadataOf(pending.command, pending.command.metadata.commandId ?? randomUUID());
        const at = pending.command.metadata.at;
        // Each event's mirror reads the family right after that event (a command may seat, free and seat again).
        const own: Mirrored[] = [];
        const { state, events } = execute(room.state, pending.command, (after, event) => {
          for (const m of mirrorToOverflowRooms(after, event, at)) own.push({ mirrored: m, metadata });
        });
        room.state = state;
        mirrored.push(...own);
        decided.push({ pending, events, metadata });
      } catch (error) {
        if (error instanceof TransitionRefusedError && error.stateChanged) {
          // The state is half-way through a command: it must be read again, and this command fails.
          return { stale: { pending, error, rest: batch.filter((p) => p !== pending) } } as const;
        }
        refused.push({ pending, error });
      }
    }
    return { decided, refused, mirrored } as const;
  };

  /**
   * The writes of one turn: the main room's batch (with its expected
   * revision), then what it decided for its overflow rooms' own streams. The
   * main room's stream is the truth and those are its mirror, so they carry
   * no revision check; appended together, they land in the log in the main
   * room's order (atomically, on SQLite).
   */
  const writesOf = (
    familyId: string,
    expected: bigint,
    events: EventToAppend[],
    mirrored: Mirrored[],
  ): StreamWrite[] => {
    const byRoom = new Map<string, EventToAppend[]>();
    for (const { mirrored: m, metadata } of mirrored) {
      const list = byRoom.get(m.roomId) ?? [];
      list.push({ type: m.event.type, data: m.event.data, metadata });
      byRoom.set(m.roomId, list);
    }
    return [
      { streamId: roomStreamId(familyId), events, expectedRevision: expected < 0n ? 'no_stream' : expected },
      ...[...byRoom].map(([roomId, list]) => ({ streamId: roomStreamId(roomId), events: list })),
    ];
  };

  /** One attempt of a turn: decide the batch on the room's state, append it, answer each caller. */
  const attemptTurn = async (mailbox: Mailbox, batch: Pending[]): Promise<void> => {
    mailbox.room ??= await loadRoom(mailbox.roomId);
    const room = mailbox.room;
    const before = room.revision;
    const outcome = decideBatch(room, batch);
    if (outcome.stale) {
      mailbox.room = undefined;
      outcome.stale.pending.reject(outcome.stale.error);
      mailbox.queue.unshift(...outcome.stale.rest);
      return;
    }
    const { decided, refused, mirrored } = outcome;
    const events: EventToAppend[] = [];
    for (const { events: own, metadata } of decided) {
      for (const event of own) events.push({ type: event.type, data: event.data, metadata });
    }
    let revision = before;
    let position = -1n;
    if (events.length > 0) {
      try {
        const results = await store.appendToStreams(writesOf(mailbox.roomId, before, events, mirrored));
        revision = results[0]!.nextExpectedRevision;
        for (const result of results) if (result.position > position) position = result.position;
        options.onAppended?.(position);
      } catch (error) {
        // The in-memory state ran ahead of the log: drop it and read the log again.
        mailbox.room = undefined;
        throw error;
      }
      room.revision = revision;
    }
    mailbox.busy = mailbox.queue.length > 0;
    for (const { pending, events: own } of decided)
      pending.resolve({ roomId: mailbox.roomId, events: own, revision, position });
    for (const { pending, error } of refused) pending.reject(error);
    // Amortised: a snapshot costs the roster's and the waiting room's size, so it waits for at least as many new events.
    const held = room.state.roster.members.size + room.state.snapshot.context.waiting.tickets.size;
    const due = BigInt(Math.max(Number(snapshotEvery), held));
    if (room.revision - mailbox.lastSnapshot >= due) {
      mailbox.lastSnapshot = room.revision;
      await snapshots.save(roomStreamId(mailbox.roomId), room.revision, roomDecider.snapshots!.toData(room.state));
    }
  };

  /** One turn: everything queued, decided and appended as one batch, retried whole after a conflict. */
  const turn = async (mailbox: Mailbox): Promise<void> => {
    const batch = mailbox.queue.splice(0, maxBatch);
    try {
      await retryOnConflict(roomDecider.kind, mailbox.roomId, maxRetries, () => attemptTurn(mailbox, batch));
    } catch (error) {
      // Loading failed, the store refused, or the conflicts went on: everyone in the batch hears it.
      mailbox.room = undefined;
      for (const pending of batch) pending.reject(error);
      return;
    }
    if (mailbox.room) options.onTurn?.(mailbox.roomId, mailbox.room.state);
  };

  const drain = (mailbox: Mailbox): void => {
    if (mailbox.running || mailbox.queue.length === 0) return;
    mailbox.running = (async () => {
      try {
        // The first turn waits for the rest of this pass of the event loop: the
        // commands its I/O delivers join the same batch. Without it, a store that
        // appends synchronously (SQLite) would take each idle family's first
        // command alone, inside its sender's call, and a surge would commit one
        // join at a time.
        await new Promise((resolve) => setImmediate(resolve));
        while (mailbox.queue.length > 0) {
          await turn(mailbox);
          if (mailbox.queue.length === 0) break;
          // Let the event loop breathe between turns: a surge resolves
          // callers as microtasks that queue more commands at once, and
          // without this the projections, timers and I/O would wait for the
          // whole surge.
          await new Promise((resolve) => setImmediate(resolve));
          // Commands came in while that turn appended: the family is busy, so let a few more join the next one.
          if (turnGatherMs > 0 && mailbox.busy && mailbox.queue.length < maxBatch / 4) {
            await new Promise((resolve) => setTimeout(resolve, turnGatherMs));
          }
        }
      } finally {
        mailbox.running = undefined;
        // A family that is not in the log (a command for an unknown room) is not worth holding.
        if (!mailbox.room || mailbox.room.revision < 0n) mailboxes.release(mailbox.roomId);
      }
    })();
  };

  return {
    /** Sends a command to its room's mailbox; resolves once its events are in the log. */
    send(command: RoomCommand): Promise<CommandResult> {
      if (closing) return Promise.reject(new CommandPathClosedError());
      const roomId = command?.data?.roomId;
      const refusal = roomIdRefusal(roomId);
      if (refusal) return Promise.reject(refusal);
      const root = familyRootOf(roomId);
      // Commands for an overflow room go to its family's main room, which decides for the family.
      const routed = withRoomDefaults(
        root === roomId ? command : ({ ...command, data: { ...command.data, roomId: root } } as RoomCommand),
      );
      return new Promise<CommandResult>((resolve, reject) => {
        const mailbox = mailboxes.use(root);
        mailbox.queue.push({ command: routed, resolve, reject });
        drain(mailbox);
      });
    },

    /** The room's state as the log holds it (from its latest snapshot and the events after). */
    load: loadRoom,

    /**
     * Where a user is in a room's family: the room (main or overflow) and as
     * what, from this writer's state when it holds the family, else the log.
     */
    async placementOf(
      roomId: string,
      userId: string,
    ): Promise<{ roomId: string; role: 'listener' | 'speaker' } | undefined> {
      const root = familyRootOf(roomId);
      const room = mailboxes.peek(root)?.room ?? (await loadRoom(root));
      const member = room.state.roster.members.get(userId);
      return member ? { roomId: member.roomId, role: member.role } : undefined;
    },

    /** Families whose state this path holds in memory now. */
    held: (): number => mailboxes.held(),

    /** Takes no more commands, and resolves once every queued one is answered. */
    async close(): Promise<void> {
      closing = true;
      mailboxes.close();
      for (;;) {
        const running = [...mailboxes.mailboxes()].map((m) => m.running).filter((r) => r !== undefined);
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
  };
};

export type RoomCommands = ReturnType<typeof createRoomCommands>;
