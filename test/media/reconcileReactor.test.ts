import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { roomStreamId, sessionStreamId } from '../../src/domain/index.ts';
import {
  createMediasoupMediaPlane,
  createReconcileReactor,
  type MediaPlane,
  type ReconcileReport,
} from '../../src/media/index.ts';
import type { CapacityPlan } from '../../src/projections/index.ts';
import { livePlan } from './plans.ts';

describe('the media reconcile reactor', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  const open = async () => {
    const media = await createMediasoupMediaPlane({ listenIp: '127.0.0.1', workers: 1 });
    cleanup.push(() => media.close());
    const reports: ReconcileReport[] = [];
    media.observer.on('reconciled', (report) => reports.push(report));
    return { media, reports };
  };
  const reactorOn = (media: MediaPlane, plans: () => CapacityPlan[], errors: unknown[]) => {
    const reactor = createReconcileReactor({ media, plans, onError: (error) => errors.push(error), coalesceMs: 10 });
    cleanup.push(() => reactor.stop());
    return reactor;
  };

  it('reconciles after batches with room events, coalesced, reading the plans of the moment', async () => {
    const { media, reports } = await open();
    let plans: CapacityPlan[] = [];
    const errors: unknown[] = [];
    const reactor = reactorOn(media, () => plans, errors);
    reactor.start();
    await once(media.observer, 'reconciled');
    plans = [livePlan('jazz', ['s1'], 2)];
    for (let i = 0; i < 3; i += 1) reactor.onBatch([{ streamId: roomStreamId('jazz') }]);
    await reactor.stop();
    // One at start, one for the three batches.
    expect(reports).toHaveLength(2);
    expect(reports[1]!.routersCreated).toBe(3);
    expect(media.inventory().rooms.map((room) => room.roomId)).toContain('jazz');
    // Stopped: no more reconciles.
    reactor.onBatch([{ streamId: roomStreamId('jazz') }]);
    await reactor.stop();
    expect(reports).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it('leaves batches without room events alone', async () => {
    const { media, reports } = await open();
    const errors: unknown[] = [];
    const reactor = reactorOn(media, () => [livePlan('jazz', ['s1'], 2)], errors);
    reactor.onBatch([{ streamId: sessionStreamId('s1') }, { streamId: 'projection-checkpoints' }]);
    await reactor.stop();
    expect(reports).toEqual([]);
    expect(media.inventory().rooms).toEqual([]);
    expect(errors).toEqual([]);
  });
});
