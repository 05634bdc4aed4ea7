export * from './rapport.config';
