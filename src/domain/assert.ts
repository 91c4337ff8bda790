/**
 * Exhaustiveness guard for discriminated unions. Call it in the `default` branch of a switch
 * over a union's discriminant: the argument only type-checks when every member was handled, so
 * adding a member without handling it is a compile error, and reaching it at run time (corrupt
 * persisted state) throws instead of silently continuing.
 */
export function assertNever(value: never, what = "value"): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
