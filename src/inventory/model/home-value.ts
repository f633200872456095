/** Comparing raw home values (usually DNs) the way directories compare them. */

/**
 * Home values compare as directories compare DNs: attribute type names and (for the usual
 * case-insensitive string syntaxes) values ignore case, and spaces around separators do not
 * count. OpenLDAP, for one, stores `CN=…` written by a client as `cn=…`.
 */
export function sameHomeValue(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  const norm = (s: string): string =>
    s
      .trim()
      .replace(/\s*([,=+])\s*/g, '$1')
      .toLowerCase();
  return norm(a) === norm(b);
}
