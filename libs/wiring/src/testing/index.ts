export * from './distributed-fixtures';
