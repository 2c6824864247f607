// The CLI's version, put in by the build (tsup `define`) and by the test config.
declare const __LIMITRATE_CLI_VERSION__: string | undefined;

/**
 * The version of @limitrate/cli (`0.0.0-dev` when run from source without the build's define).
 *
 * @example
 * ```ts
 * console.log(`limitrate ${VERSION}`);
 * ```
 */
export const VERSION: string = typeof __LIMITRATE_CLI_VERSION__ === 'string' ? __LIMITRATE_CLI_VERSION__ : '0.0.0-dev';
