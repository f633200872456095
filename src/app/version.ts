/** The program version, recorded in snapshots (program_version) and shown by --version. */
export const VERSION = '0.1.0';
