export * from './event-schemas';
export { UpcastError } from './upcast-error';
export { upcastPurchasedV1, majorToMinorUnits, type PurchasedDataV1 } from './purchased-v1.upcaster';
export { iso4217MinorUnits } from './currency-minor-units';
