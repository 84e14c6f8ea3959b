import { randomUUID } from 'node:crypto';
import { DomainError, familyRootOf, roomStreamId, type RoomCommand, type RoomEvent } from '../domain/index.ts';
import {
  StreamNotFoundError,
  type EventStore,
  type LeaseHolder,
  type LeaseNode,
  type LeaseStore,
  type RecordedEvent,
} from '../eventstore/index.ts';
import { ConcurrencyConflictError } from './errors.ts';
import { FamilyUnavailableError, NotOwnerError, OwnerUnreachableError } from './ownershipErrors.ts';
import type { CommandResult } from './roomCommands.ts';

/** The node's own command path (mailboxes, group commit) for the families it owns. */
export interface LocalCommands {
  send(command: RoomCommand): Promise<CommandResult>;
}

/** Sends a command to the node that owns its family and relays the answer (the internal channel). */
export interface Forwarder {
  /**
   * Rejects with `NotOwnerError` when that node no longer owns the family,
   * `OwnerUnreachableError` when it did not answer, or the owner's own error.
   */
  forward(address: string, command: RoomCommand, retry: boolean): Promise<CommandResult>;
}

export interface FamilyOwnershipOptions {
  readonly local: LocalCommands;
  readonly store: EventStore;
  readonly leases: LeaseStore;
  readonly node: LeaseNode;
  readonly forwarder: Forwarder;
  /** How long a lease runs unrenewed: how soon a dead node's families are taken over. Default 3 s. */
  readonly leaseMs?: number;
  /** How often the owner renews. Default a third of leaseMs. */
  readonly renewEveryMs?: number;
  /** How long one command may look for an owner before FamilyUnavailableError. Default 20 s. */
  readonly routeTimeoutMs?: number;
  /** Command ids (with their answers) remembered per node for answering retries: the newest half of this many at least, this many at most. Default 50,000. */
  readonly rememberCommands?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Each room family is decided by one node at a time: the holder of its
 * lease. Any node takes a command; the owner decides it through its own
 * mailbox (so group commit works for the whole surge, whichever node it hit),
 * every other node forwards it. The lease is only a routing promise: the
 * log's expected-revision check is the fence. A node whose lease lapsed and
 * whose family moved on fails its next append, then asks who owns the family
 * now and forwards there; it never decides again on what it held.
 *
 * Each command gets an id where it enters (the API node); the node that
 * decides remembers ids it decided, and a command sent again after a lost
 * answer (a timeout, an owner that died) is first looked up in the family's
 * stream, so it is never applied twice.
 */
export const createFamilyOwnership = (options: FamilyOwnershipOptions) => {
  const { local, store, leases, node, forwarder } = options;
  const leaseMs = options.leaseMs ?? 3000;
  const renewEveryMs = options.renewEveryMs ?? Math.floor(leaseMs / 3);
  const routeTimeoutMs = options.routeTimeoutMs ?? 20_000;
  const rememberCommands = options.rememberCommands ?? 50_000;
  // Stop deciding a little before the lease ends: the database's clock runs on while we answer.
  const margin = Math.min(500, leaseMs / 4);

  const held = new Map<string, number>();
  const others = new Map<string, { holder: LeaseHolder; until: number }>();
  // Two generations: the newest ids, and the ones before them. Dropping the older half at once is
  // O(1) a command; evicting a Map's oldest key one at a time walks past every slot deleted before it.
  let decided = new Map<string, Promise<CommandResult>>();
  let decidedBefore = new Map<string, Promise<CommandResult>>();
  const epochs = new Map<string, bigint>();
  const takenAt = new Map<string, number>();
  const recordedBefore = new Map<string, Promise<Map<string, RecordedEvent[]>>>();
  // One lease lookup per family at a time: a crowd whose cached owner just ran out shares it.
  const asking = new Map<string, Promise<'me' | LeaseHolder>>();
  let closed = false;

  const now = (): number => performance.now();

  /** Asks the leases who owns the family (taking it if it is free), and caches the answer. */
  const askLeases = async (family: string): Promise<'me' | LeaseHolder> => {
    const asked = now();
    const holder = await leases.acquire(family, node, leaseMs);
    if (holder.owner === node.id) {
      // A new tenure (the epoch moved): what the stream recorded before it must be read again.
      if (epochs.get(family) !== holder.epoch) recordedBefore.delete(family);
      epochs.set(family, holder.epoch);
      takenAt.set(family, asked);
      held.set(family, asked + holder.remainingMs - margin);
      others.delete(family);
      return 'me';
    }
    held.delete(family);
    others.set(family, { holder, until: asked + holder.remainingMs });
    return holder;
  };

  /** The family's owner as this node knows it: 'me', another node, after taking the lease if it was free. */
  const ownerOf = async (family: string): Promise<'me' | LeaseHolder> => {
    const mine = held.get(family);
    if (mine !== undefined && mine > now()) return 'me';
    const known = others.get(family);
    if (known && known.until > now()) return known.holder;
    let answer = asking.get(family);
    if (!answer) {
      answer = askLeases(family).finally(() => asking.delete(family));
      asking.set(family, answer);
    }
    return answer;
  };

  const remember = (commandId: string, answer: Promise<CommandResult>): void => {
    decided.set(commandId, answer);
    if (decided.size >= Math.ceil(rememberCommands / 2)) {
      decidedBefore = decided;
      decided = new Map();
    }
    // A command that did not get decided (conflict, store away) may be decided when sent again.
    answer.catch((error: unknown) => {
      if (error instanceof DomainError) return;
      decided.delete(commandId);
      decidedBefore.delete(commandId);
    });
  };

  /**
   * The commands the family's stream recorded before this node took it (its
   * newest 10,000 events, read once per takeover): a command sent again after
   * its answer was lost is answered from here instead of being decided twice.
   */
  const findInLog = async (family: string, commandId: string): Promise<CommandResult | undefined> => {
    let index = recordedBefore.get(family);
    if (!index) {
      // A stream that cannot be read fails the command (it is sent again later), never lets it be decided twice.
      index = store
        .readStream(roomStreamId(family), { direction: 'backwards', maxCount: 10_000 })
        .catch((error: unknown) => {
          if (error instanceof StreamNotFoundError) return [];
          recordedBefore.delete(family);
          throw error;
        })
        .then((recent) => {
          const byCommand = new Map<string, RecordedEvent[]>();
          for (const e of recent.reverse()) {
            const id = e.metadata.causationId;
            if (typeof id === 'string') byCommand.set(id, [...(byCommand.get(id) ?? []), e]);
          }
          return byCommand;
        });
      recordedBefore.set(family, index);
    }
    const mine = (await index).get(commandId);
    if (!mine) return undefined;
    return {
      roomId: family,
      events: mine.map((e) => ({ type: e.type, data: e.data }) as RoomEvent),
      revision: mine.at(-1)!.revision,
      position: mine.at(-1)!.position,
    };
  };

  const decideHere = (family: string, command: RoomCommand, retry: boolean): Promise<CommandResult> => {
    const commandId = command.metadata.commandId!;
    const known = decided.get(commandId) ?? decidedBefore.get(commandId);
    if (known) return known;
    const answer = (async () => (retry ? await findInLog(family, commandId) : undefined) ?? local.send(command))();
    remember(commandId, answer);
    return answer;
  };

  const route = async (family: string, command: RoomCommand): Promise<CommandResult> => {
    const deadline = now() + routeTimeoutMs;
    for (let attempt = 1; now() < deadline; attempt += 1) {
      if (closed) break;
      const retry = attempt > 1;
      const owner = await ownerOf(family);
      try {
        if (owner === 'me') return await decideHere(family, command, retry);
        return await forwarder.forward(owner.address, command, retry);
      } catch (error) {
        if (owner === 'me' && error instanceof ConcurrencyConflictError) {
          // The fence: someone else wrote to the family. Ask the leases again before anything else.
          held.delete(family);
          continue;
        }
        if (error instanceof NotOwnerError) {
          others.delete(family);
          continue;
        }
        if (error instanceof OwnerUnreachableError) {
          others.delete(family);
          await sleep(Math.min(250, leaseMs / 10));
          continue;
        }
        throw error;
      }
    }
    throw new FamilyUnavailableError(family);
  };

  const renewal = setInterval(() => {
    const asked = now();
    leases.renew(node.id, leaseMs).then(
      (keys) => {
        const kept = new Set(keys);
        // A family taken while this renewal was on its way is not in its answer, and is still ours.
        for (const family of held.keys())
          if (!kept.has(family) && (takenAt.get(family) ?? 0) < asked) held.delete(family);
        for (const family of keys) held.set(family, asked + leaseMs - margin);
      },
      // The lease database is away: the leases run out on their own, and so does our claim.
      () => undefined,
    );
  }, renewEveryMs);
  renewal.unref();

  const withId = (command: RoomCommand): RoomCommand =>
    command.metadata?.commandId ? command : { ...command, metadata: { ...command.metadata, commandId: randomUUID() } };

  return {
    /** Decides the command here if this node owns its family, else forwards it to the owner. */
    send(command: RoomCommand): Promise<CommandResult> {
      const roomId = command?.data?.roomId;
      // The local path gives a malformed command its own clear refusal.
      if (typeof roomId !== 'string' || roomId.length === 0) return local.send(command);
      return route(familyRootOf(roomId), withId(command));
    },

    /** A command another node forwarded: decided only while this node still owns its family. */
    async decideForwarded(command: RoomCommand, retry: boolean): Promise<CommandResult> {
      const family = familyRootOf(command.data.roomId);
      // A node that is stopping takes no family (it has just given its leases up).
      if (closed) throw new NotOwnerError(family, 'unknown');
      const owner = await ownerOf(family);
      if (owner !== 'me') throw new NotOwnerError(family, owner.owner);
      try {
        return await decideHere(family, withId(command), retry);
      } catch (error) {
        if (!(error instanceof ConcurrencyConflictError)) throw error;
        // Fenced: another node wrote to the family. The sender asks the leases again.
        held.delete(family);
        throw new NotOwnerError(family, 'unknown');
      }
    },

    /** Families this node holds a lease on now. */
    owned: (): string[] => [...held].filter(([, until]) => until > now()).map(([family]) => family),

    /** Stops renewing and gives up every lease, so other nodes take over at once. */
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(renewal);
      held.clear();
      await leases.release(node.id).catch(() => undefined);
    },
  };
};

export type FamilyOwnership = ReturnType<typeof createFamilyOwnership>;
