/**
 * What a config shows in logs (`toJSON`, `util.inspect`): everything but its secrets. The token and a
 * client certificate's private key are replaced, so `console.log(config)` is always safe.
 */
import type { TlsOptions } from '../transport/types.js';

export function printable(
  fields: { readonly tls?: TlsOptions | undefined },
  hasToken: boolean,
): Record<string, unknown> {
  const tls = fields.tls;
  return {
    ...fields,
    ...(tls?.key !== undefined ? { tls: { ...tls, key: '<redacted>' } } : {}),
    authToken: hasToken ? '<redacted>' : undefined,
  };
}
