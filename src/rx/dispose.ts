/**
 * `Symbol.asyncDispose` for `await using`. Node 20 may not define it; TypeScript's downlevel
 * helper then looks up `Symbol.for('Symbol.asyncDispose')`, so that is the fallback.
 */
export const asyncDispose: symbol =
  (Symbol as { asyncDispose?: symbol }).asyncDispose ?? Symbol.for('Symbol.asyncDispose');
