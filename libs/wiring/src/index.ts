export * from './embedded-stores';
export * from './system-clock';
export * from './distributed-log';
export * from './mongo-read-models';
export * from './playbook-stores';
export * from './webhook-endpoints';
export * from './worker-model-fitter.adapter';
export * from './projection-worker.adapter';
export type { ThreadHeap, ThreadHeapSource } from './worker-thread';
