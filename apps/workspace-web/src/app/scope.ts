// The global as-of date and currency (SPEC section 11), read from and written
// to the location's hash so a view can be reloaded, shared or bookmarked.
// The credential never goes there.

export interface Scope {
  /** YYYY-MM-DD, a UTC day. */
  readonly asOfDate: string;
  /** The end of that day: analytics count what occurred by then. */
  readonly asOf: string;
  readonly currency: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CURRENCY = /^[A-Z]{3}$/;

export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function isCurrency(value: string): boolean {
  return CURRENCY.test(value);
}

export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function scopeOf(query: URLSearchParams, defaultCurrency: string, now: Date = new Date()): Scope {
  const asked = query.get('asOf') ?? '';
  const asOfDate = isDay(asked) ? asked : today(now);
  const currency = (query.get('currency') ?? '').toUpperCase();
  return { asOfDate, asOf: `${asOfDate}T23:59:59Z`, currency: isCurrency(currency) ? currency : defaultCurrency };
}

export interface Route {
  /** The view's path segments: `#/customer/42` → ['customer', '42']. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = body.split('?', 2);
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(search) };
}

/** `#/<segments>?asOf=…&currency=…&<extra>`. */
export function hashFor(segments: readonly string[], scope: Pick<Scope, 'asOfDate' | 'currency'>, extra: Readonly<Record<string, string>> = {}): string {
  const query = new URLSearchParams({ asOf: scope.asOfDate, currency: scope.currency, ...extra });
  return `#/${segments.map(encodeURIComponent).join('/')}?${query.toString()}`;
}
