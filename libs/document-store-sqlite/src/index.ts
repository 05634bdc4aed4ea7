export * from './sqlite-document-store.adapter';
