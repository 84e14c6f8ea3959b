import { roomStatus, spawnWindowReopensAt, type AdmitFromQueue, type RoomState } from '../domain/index.ts';

/** Who sends the AdmitFromQueue at a spawn window's end (the events it records carry it as their actor). */
export const WAKE_UP_ACTOR = 'spillway-waiting-room';

export interface SpawnWindowWakeUpOptions {
  /** The room command path that reaches the family's owner (with several API nodes, the forwarding one). */
  readonly send: (command: AdmitFromQueue) => Promise<unknown>;
  /** Told when a wake-up's command failed (the family is woken again by its next turn). */
  readonly onError?: (error: unknown, familyId: string) => void;
  /** Epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Wakes a family's queue when its spawn window passes. A family whose first
 * in line waits only because it spawned as many overflow rooms as it may
 * within its window gets no command when the window passes: nothing happens
 * in the log then. So after each of its turns this looks at the state the
 * turn left (`spawnWindowReopensAt`) and holds one timer per family for that
 * moment, which sends AdmitFromQueue through the family's mailbox (its
 * owner's, with several API nodes): its turn admits from the queue as every
 * turn does, and records nothing when nobody can be seated after all. A
 * turn that leaves nobody waiting on the window clears the family's timer.
 *
 * Timers live in this process: after a restart, `wake` sends one
 * AdmitFromQueue to each family with someone waiting, and their turns arm
 * the timers again.
 */
export const createSpawnWindowWakeUps = (options: SpawnWindowWakeUpOptions) => {
  const now = options.now ?? Date.now;
  const armed = new Map<string, { readonly due: number; readonly timer: NodeJS.Timeout }>();
  let closed = false;

  const admit = (familyId: string): void => {
    if (closed) return;
    options
      .send({
        type: 'AdmitFromQueue',
        data: { roomId: familyId },
        metadata: { actor: WAKE_UP_ACTOR, at: new Date(now()).toISOString() },
      })
      .catch((error: unknown) => options.onError?.(error, familyId));
  };

  const disarm = (familyId: string): void => {
    const entry = armed.get(familyId);
    if (!entry) return;
    clearTimeout(entry.timer);
    armed.delete(familyId);
  };

  return {
    /** After a turn of `familyId`: arms, moves or clears its wake-up for the state the turn left. */
    observe(familyId: string, state: RoomState): void {
      if (closed) return;
      const at = now();
      const due =
        roomStatus(state) === 'live'
          ? spawnWindowReopensAt(state.snapshot.context, new Date(at).toISOString())
          : undefined;
      if (due === undefined) return disarm(familyId);
      if (armed.get(familyId)?.due === due) return;
      disarm(familyId);
      // A timer that fires a moment early finds nobody to seat; the turn then arms it again for the rest.
      const timer = setTimeout(
        () => {
          armed.delete(familyId);
          admit(familyId);
        },
        Math.max(0, due - at),
      );
      timer.unref();
      armed.set(familyId, { due, timer });
    },

    /** Sends each family one AdmitFromQueue now (at start, for the families with someone waiting). */
    wake(familyIds: Iterable<string>): void {
      for (const familyId of familyIds) admit(familyId);
    },

    /** Clears every timer; later turns arm none. Safe to call twice. */
    close(): void {
      closed = true;
      for (const familyId of [...armed.keys()]) disarm(familyId);
    },
  };
};

export type SpawnWindowWakeUps = ReturnType<typeof createSpawnWindowWakeUps>;
