const builtKeys = new WeakMap<object, Set<PropertyKey>>();

/**
 * An object whose members are made on first read and shared after: a cold start pays only for what a function
 * touches. One line per member; `wasBuilt` tells, without building, whether a member exists (to close it).
 */
export function lazy<T extends object>(makers: { [K in keyof T]: () => T[K] }): T {
  const target = {} as T;
  const built = new Set<PropertyKey>();
  const made = new Map<PropertyKey, unknown>();
  for (const key of Object.keys(makers) as (keyof T & string)[]) {
    Object.defineProperty(target, key, {
      enumerable: true,
      get: () => {
        if (!built.has(key)) {
          made.set(key, makers[key]());
          built.add(key);
        }
        return made.get(key);
      },
    });
  }
  builtKeys.set(target, built);
  return target;
}

export function wasBuilt<T extends object>(lazyObject: T, key: keyof T): boolean {
  return builtKeys.get(lazyObject)?.has(key) ?? false;
}
