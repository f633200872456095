/**
 * Which implementation does the work: the native addon (Poly1305 in C, whole seal/open in one
 * call into caller-owned buffers) when it loads, node:crypto + @noble/ciphers otherwise.
 */
import { nativeAvailable } from '../../native/index.js';

let useNative = nativeAvailable();

/** True while the native addon is used. */
export function nativeCryptoEnabled(): boolean {
  return useNative;
}

/**
 * For tests: use the native addon (true, when it loads) or the pure-JS path (false).
 * Returns the previous setting so a test can restore it.
 */
export function setNativeCrypto(enabled: boolean): boolean {
  const previous = useNative;
  useNative = enabled && nativeAvailable();
  return previous;
}
