import { isRoomStreamId } from '../domain/index.ts';
import type { CapacityPlan } from '../projections/index.ts';
import type { MediaPlane } from './types.ts';

export interface ReconcileReactorOptions {
  readonly media: MediaPlane;
  /** The capacity plans as the read models hold them now: the complete desired state. */
  readonly plans: () => readonly CapacityPlan[];
  /** Told when a reconcile fails; the next batch or worker replacement tries again. */
  readonly onError: (error: unknown) => void;
  /** How long a reconcile waits for more batches to coalesce with. Default 50 ms. */
  readonly coalesceMs?: number;
}

/**
 * Media follows the capacity plans. It follows the log through the read
 * models' committed batches (so the plans it reads already include them):
 * after any batch with a room's events, and after a worker is replaced, one
 * reconcile runs, coalesced, one at a time. It needs no checkpoint of its own:
 * the plans are the whole desired state, so starting from the head is enough.
 */
export const createReconcileReactor = (options: ReconcileReactorOptions) => {
  const { media } = options;
  const coalesceMs = options.coalesceMs ?? 50;
  let running: Promise<unknown> = Promise.resolve();
  let due = false;
  let stopped = false;

  const reconcileSoon = (): void => {
    if (due || stopped) return;
    due = true;
    running = running
      .then(() => new Promise((resolve) => setTimeout(resolve, coalesceMs)))
      .then(() => {
        due = false;
        return media.closed ? undefined : media.reconcile(options.plans());
      })
      .catch((error: unknown) => options.onError(error));
  };

  media.observer.on('workerReplaced', reconcileSoon);
  return {
    /** Reconciles once from the plans as they stand (batches and worker replacements reconcile anyway). */
    start: reconcileSoon,
    /**
     * Resolves once a reconcile that read the plans after this call is done
     * (a prewarm waits on it: the routers its plan asks for then exist). A
     * failed reconcile resolves it too; the next batch tries again.
     */
    async settled(): Promise<void> {
      reconcileSoon();
      await running;
    },
    /** Hand it each committed batch (the read models' onBatch). */
    onBatch(events: readonly { readonly streamId: string }[]): void {
      if (events.some((event) => isRoomStreamId(event.streamId))) reconcileSoon();
    },
    /** Takes no more batches and resolves once the reconcile in flight, if any, is done. */
    async stop(): Promise<void> {
      stopped = true;
      media.observer.off('workerReplaced', reconcileSoon);
      await running;
    },
  };
};

export type ReconcileReactor = ReturnType<typeof createReconcileReactor>;
