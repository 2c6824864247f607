// The help text printed by --help and after a usage error.

/**
 * The usage text (ends with a newline).
 *
 * @example
 * ```ts
 * process.stdout.write(usage());
 * ```
 */
export function usage(): string {
  return `Usage: limitrate <command> [options]

Commands:
  dashboard              live dashboard in the terminal
                         keys: r refresh, f filter, h history (now/hour/day), e export CSV, q quit
  inspect                print the report once as tables, or as JSON with --json

Source (one of):
  --url <url>            an app's inspector endpoint, e.g. http://127.0.0.1:3000/limitrate
  --token <token>        the inspector's token (default: $LIMITRATE_TOKEN)
  --redis <url>          the shared Redis analytics, e.g. redis://127.0.0.1:6379
  --prefix <prefix>      their key prefix in Redis (default limitrate:analytics)

Report:
  --range now|hour|day   the last 5 minutes, hour or 24 hours (default now)
  --filter <term>        user:<text>, plan:<text>, endpoint:<text>, or bare text matching
                         any name (any:<text> for text with ':'); repeatable
  --top <n>              rows per table, 1 to 1000 (default 10)
  --blocks <n>           recent blocks, 0 to 1000 (default 20)
  --alert <rule>         <metric><op><value>: blockRate>5%, errorRate>1%, errors>0, p99>50ms,
                         latency>10ms, requests<10, blocked>100 (ops > >= < <=); repeatable
  --timeout <duration>   give up on a request after this long (default 5s)

Dashboard:
  --interval <duration>  refresh every (default 5s; e.g. 500ms, 2s, 1m, or seconds)
  --webhook <url>        POST JSON when an alert starts firing and when it clears
  --export-dir <dir>     where e writes limitrate-<range>-<time>.csv (default: here)

Inspect:
  --json                 print the report as JSON, for scripts

  --no-color             no colours (also when NO_COLOR is set)
  -h, --help             this help
  --version              the version

Examples:
  limitrate dashboard --url http://127.0.0.1:3000/limitrate --token "$TOKEN" --alert 'blockRate>5%'
  limitrate inspect --redis redis://127.0.0.1:6379 --range hour --filter plan:free
  limitrate inspect --url http://127.0.0.1:3000/limitrate --json | jq .totals

Exit codes: 0 done, 1 the source failed, 2 usage error.
`;
}
