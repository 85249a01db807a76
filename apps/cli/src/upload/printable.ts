/**
 * Text from the server, made safe for a CI log: control characters (C0, DEL, C1) become `?`, so a
 * hostile or broken server cannot inject terminal escapes or CI workflow commands
 * (`::add-mask::`, `::stop-commands::` start a line; a newline is needed to reach one), and length
 * is capped.
 */
export function printable(text: string, max = 2000): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
