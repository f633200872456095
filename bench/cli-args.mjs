// Command-line options of the bench scripts: node:util parseArgs plus --help and a usage on errors.
import { parseArgs } from 'node:util';

/**
 * Parses process.argv with `options` (parseArgs' format; --help/-h is added). Prints `usage` and
 * exits 0 on --help, or exits 2 on an unknown option or when `valid(values)` is false.
 */
export function benchArgs(usage, options, valid = () => true) {
  let values;
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    console.error(`${err.message}\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (!valid(values)) {
    console.error(usage);
    process.exit(2);
  }
  return values;
}
