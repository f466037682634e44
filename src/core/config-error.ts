/**
 * A programmer or configuration mistake, found when a component is built (never per request).
 * `code` is stable and listed in `docs/errors.md`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** A stable machine-readable code, `TROWEL_ERR_<CAPABILITY>_<WHAT>`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** True for a {@link ConfigError}, also one made by another copy of trowel. */
export function isConfigError(value: unknown): value is ConfigError {
  return (
    value instanceof Error &&
    value.name === 'ConfigError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
