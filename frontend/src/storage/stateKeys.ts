/** Names in the `state` store. */

/** Where the engine's named values live in the `state` store: apart from `device` and `cursors`. */
export function stateKey(name: string): string {
  if (name.length === 0) throw new RangeError('a state name is not empty');
  return `engine:${name}`;
}
