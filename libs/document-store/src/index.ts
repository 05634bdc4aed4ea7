export * from './document-store.port';
export { CollectionRegistry, defineCollection, resolveCollection, RESERVED_PREFIX, type ResolvedCollection, type ResolvedIndex } from './collection';
export { fromJson, toRow, type DocumentRow } from './document-row';
export { cursorAfter, planConditions, planQuery, plainId, type Comparison, type PlannedCondition, type QueryPlan } from './query-plan';
export { checkpointName, versionName, planWrites, updatedRow, type PlannedWrite, type WritePlan } from './write-plan';
export * from './projection';
