/**
 * Leases: which node owns a room family for now. A lease lives in the same
 * database as the log (PostgreSQL, or the shared SQLite file), so ownership
 * needs nothing the log does not already need. Time is the database's: a
 * holder is told how long its lease still runs, never a wall-clock instant,
 * so nodes' clocks need not agree.
 */
export interface LeaseHolder {
  /** The node holding the lease (a random id per process start). */
  readonly owner: string;
  /** Where that node takes forwarded commands (its internal channel's URL). */
  readonly address: string;
  /** Grows by one each time the lease changes hands. */
  readonly epoch: bigint;
  /** How long the lease still runs, as the database measured it when answering. */
  readonly remainingMs: number;
}

export interface LeaseNode {
  readonly id: string;
  readonly address: string;
}

export interface LeaseStore {
  /**
   * Takes the lease on `key` for `ttlMs` if it is free, expired or already
   * this node's (then it is extended); answers who holds it afterwards. Of
   * nodes racing for one expired lease, exactly one gets it.
   */
  acquire(key: string, node: LeaseNode, ttlMs: number): Promise<LeaseHolder>;
  /** Extends every unexpired lease `nodeId` holds; answers their keys. */
  renew(nodeId: string, ttlMs: number): Promise<string[]>;
  /** Ends every lease `nodeId` holds (a clean stop hands its families on at once). */
  release(nodeId: string): Promise<void>;
  close(): Promise<void>;
}
