// ISO 4217 minor units: how many decimals a currency's amounts have. Frozen
// here rather than read from the runtime (Intl follows CLDR and changes with
// the ICU build), because an upcaster must give the same answer forever.

/** Currencies whose minor unit is not 2 decimals (ISO 4217 List One). */
const NOT_TWO_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0,
  RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** Codes ISO 4217 lists with no minor unit at all (precious metals, funds, testing). */
const NO_MINOR_UNIT = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX']);

/** Decimals of the currency's minor unit (2 for USD, 0 for JPY, 3 for KWD); undefined when ISO 4217 gives it none. */
export function iso4217MinorUnits(currency: string): number | undefined {
  if (NO_MINOR_UNIT.has(currency)) return undefined;
  return NOT_TWO_DIGITS[currency] ?? 2;
}
