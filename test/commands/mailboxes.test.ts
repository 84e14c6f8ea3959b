import { afterEach, describe, expect, it } from 'vitest';
import { createMailboxes, type Mailboxes } from '../../src/commands/mailboxes.ts';

interface Box {
  readonly id: string;
  busy: boolean;
}

describe('the held mailboxes', () => {
  let clock = 0;
  let boxes: Mailboxes<Box> | undefined;
  afterEach(() => boxes?.close());
  const open = (limits: { idleMs?: number; maxHeld?: number }) =>
    (boxes = createMailboxes<Box>({
      make: (id) => ({ id, busy: false }),
      isIdle: (box) => !box.busy,
      limits,
      now: () => clock,
    }));

  it('lets a family go once it has been idle for idleMs, and keeps one that is busy', () => {
    clock = 0;
    const held = open({ idleMs: 1000 });
    held.use('a');
    held.use('b').busy = true;
    clock = 500;
    held.use('c');
    clock = 1200;
    held.sweep();
    expect([...held.mailboxes()].map((b) => b.id)).toEqual(['b', 'c']);
    clock = 1600;
    held.sweep();
    expect([...held.mailboxes()].map((b) => b.id)).toEqual(['b']);
  });

  it('holds at most maxHeld, letting the least recently used idle ones go first', () => {
    clock = 0;
    const held = open({ maxHeld: 3, idleMs: 1e9 });
    for (const id of ['a', 'b', 'c']) held.use(id);
    held.use('a'); // a is now the most recent
    held.use('b').busy = true;
    held.use('d');
    expect([...held.mailboxes()].map((b) => b.id)).toEqual(['a', 'b', 'd']);
    held.use('e');
    expect([...held.mailboxes()].map((b) => b.id)).toEqual(['b', 'd', 'e']);
    expect(held.held()).toBe(3);
  });

  it('releases an idle family at once when asked, never a busy one', () => {
    const held = open({});
    held.use('gone');
    held.use('working').busy = true;
    held.release('gone');
    held.release('working');
    expect(held.peek('gone')).toBeUndefined();
    expect(held.peek('working')?.id).toBe('working');
  });
});
