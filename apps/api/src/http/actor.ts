/** The actor recorded when the server runs without credentials (loopback, embedded). */
export const ANONYMOUS_ACTOR = 'anonymous';
