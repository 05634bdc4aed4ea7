/**
 * Rewrites recorded history behind the log's back, as an attacker with write
 * access to its storage could. Adapters whose storage allows it hand one to the
 * contract suite so it can prove verifyChain notices. Each method fails when the
 * event it names does not exist, so a tamper test can never pass by doing nothing.
 */
export interface Tamperer {
  /** Replaces the payload of one recorded event, keeping its hash. */
  updateData(customerId: string, revision: number, data: unknown): Promise<void>;
  /** Removes one recorded event; the later ones keep their revisions. */
  deleteEvent(customerId: string, revision: number): Promise<void>;
  /** Exchanges the places of two recorded events in the stream. */
  swap(customerId: string, revisionA: number, revisionB: number): Promise<void>;
  /** Records another payload schema version for one event (undefined: none), keeping its data and hash. */
  setSchemaVersion(customerId: string, revision: number, version: number | undefined): Promise<void>;
  /** Overwrites the stored hash of one recorded event. */
  setHash(customerId: string, revision: number, hash: string): Promise<void>;
}
