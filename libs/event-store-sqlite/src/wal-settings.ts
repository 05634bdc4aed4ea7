// How large the log's write-ahead log may grow. A commit that takes the WAL
// past the checkpoint threshold copies the WAL into the database and fsyncs
// it, on the committing thread: the one that answers requests. The other
// SQLite files (read models, keys, snapshots) keep SQLite's defaults
// (docs/decisions.md says why).

/**
 * Pages (about 40 MiB) after which a commit checkpoints. SQLite's 1,000 makes
 * that nearly every other commit of a large batch; at 10,000 the pages
 * appends touch again and again (index interiors, a table's tail) are copied
 * once per 10,000, and the database is fsynced a tenth as often. Measured
 * (docs/benchmarks.md, "WAL checkpoints"): a raw log committing 768 events at
 * a time wrote 24,000–25,400 events/s at 1,000 and 35,800–36,600 at 10,000.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * A checkpoint that resets the WAL truncates its file to this: a WAL that grew
 * while readers held checkpoints back (a long export, say) gives the disk back.
 */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
