export { sqliteTamperer } from './sqlite-tamperer';
export { writeRecordedHistory } from './sqlite-recorded-history';
