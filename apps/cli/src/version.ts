/** The CLI's version, printed by --version and sent with uploads. */
export const VERSION = '0.1.0';
