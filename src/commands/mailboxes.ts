/** How many room families the command path keeps loaded, and for how long without a command. */
export interface MailboxLimits {
  /** A family with no command for this long is let go (its state is reloaded from the log when needed). */
  readonly idleMs: number;
  /** At most this many families are held; past it the least recently used idle ones are let go first. */
  readonly maxHeld: number;
}

export const DEFAULT_MAILBOX_LIMITS: MailboxLimits = { idleMs: 300_000, maxHeld: 10_000 };

interface Entry<M> {
  readonly mailbox: M;
  lastUsed: number;
}

/**
 * The mailboxes of the families this process has commands for, bounded: a
 * mailbox is only ever let go while idle (nothing queued, no turn running),
 * so letting go loses nothing but a cache: the next command reloads the
 * family from its snapshot and the events after. Held in least-recently-used
 * order (a Map keeps insertion order; use moves an entry to the end).
 */
export const createMailboxes = <M>(options: {
  readonly make: (familyId: string) => M;
  readonly isIdle: (mailbox: M) => boolean;
  readonly limits?: Partial<MailboxLimits>;
  readonly now?: () => number;
}) => {
  const { idleMs, maxHeld } = { ...DEFAULT_MAILBOX_LIMITS, ...options.limits };
  const now = options.now ?? (() => performance.now());
  const held = new Map<string, Entry<M>>();

  /** Lets idle families go, oldest first, looking at `scan` of them at most. */
  const sweep = (scan = Number.POSITIVE_INFINITY): void => {
    const cutoff = now() - idleMs;
    let over = held.size - maxHeld;
    for (const [familyId, entry] of held) {
      // Oldest first: once one is recent enough and the count is within bounds, so are the rest.
      if ((entry.lastUsed > cutoff && over <= 0) || scan-- <= 0) break;
      if (!options.isIdle(entry.mailbox)) continue;
      held.delete(familyId);
      over -= 1;
    }
  };
  const timer = setInterval(() => sweep(), Math.max(10, Math.min(idleMs / 2, 60_000)));
  timer.unref();

  return {
    /** The family's mailbox, made if it is not held; counts as a use. */
    use(familyId: string): M {
      const entry = held.get(familyId);
      if (entry) {
        held.delete(familyId);
        entry.lastUsed = now();
        held.set(familyId, entry);
        return entry.mailbox;
      }
      const made = { mailbox: options.make(familyId), lastUsed: now() };
      held.set(familyId, made);
      // Bounded, so a crowd of busy families cannot make every new one scan them all (the timer sweeps fully).
      if (held.size > maxHeld) sweep(64);
      return made.mailbox;
    },
    /** The family's mailbox if it is held; not a use. */
    peek: (familyId: string): M | undefined => held.get(familyId)?.mailbox,
    /** Lets the family go now if its mailbox is idle (a family that does not exist holds nothing). */
    release(familyId: string): void {
      const entry = held.get(familyId);
      if (entry && options.isIdle(entry.mailbox)) held.delete(familyId);
    },
    mailboxes: (): IterableIterator<M> => [...held.values()].map((e) => e.mailbox)[Symbol.iterator](),
    /** Families held now (a gauge for operators). */
    held: (): number => held.size,
    /** Lets idle families go by age and count now (it also runs on a timer). */
    sweep: (): void => sweep(),
    /** Stops the timer. */
    close: (): void => clearInterval(timer),
  };
};

export type Mailboxes<M> = ReturnType<typeof createMailboxes<M>>;
