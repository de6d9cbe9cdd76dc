/** Quotes a value for an OData `$filter` literal: single quotes are doubled, as OData requires. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A path segment from untrusted input (an id, a UPN). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
