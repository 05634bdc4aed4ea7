export * from './mongo-document-store.adapter';
