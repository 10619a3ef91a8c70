import { supportsColor } from 'chalk';

/**
 * Whether to colour output written to stdout: never when `NO_COLOR` is set to anything non-empty
 * (https://no-color.org; chalk itself does not read it), otherwise chalk's detection, which honours
 * `FORCE_COLOR` and is off when stdout is not a terminal.
 */
export function stdoutSupportsColor(env: NodeJS.ProcessEnv = process.env): boolean {
  const noColor = env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  return supportsColor !== false && supportsColor.level > 0;
}
