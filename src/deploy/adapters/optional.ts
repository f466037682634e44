/** `{ [key]: value }` when `value` is defined, else `{}`: for building options objects. */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  const entry: Partial<Record<K, V>> = {};
  if (value !== undefined) entry[key] = value;
  return entry;
}
