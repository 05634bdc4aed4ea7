// Injection tokens for the ports, so apps wire adapters by configuration.
export const RAPPORT_CONFIG = Symbol('RAPPORT_CONFIG');
export const EVENT_STORE = Symbol('EVENT_STORE');
/** The log with personal fields sealed on append and opened on read. */
export const SEALING_EVENT_STORE = Symbol('SEALING_EVENT_STORE');
/** The customer read models (CustomerReadModels) over the configured document store. */
export const READ_MODELS = Symbol('READ_MODELS');
/** The playbooks' log and the runner's store (PlaybookStores). */
export const PLAYBOOK_STORES = Symbol('PLAYBOOK_STORES');
/** Snapshots of the customers' folded states (SnapshotStore), a file beside the log. */
export const SNAPSHOT_STORE = Symbol('SNAPSHOT_STORE');
/** The worker threads' heaps (ThreadHeapSource): the projection thread and the fit workers, those that run. */
export const THREAD_HEAPS = Symbol('THREAD_HEAPS');
/** The fit workers (WorkerModelFitter), when the configuration asks for any. */
export const MODEL_FITTER = Symbol('MODEL_FITTER');
