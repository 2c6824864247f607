// Durations for the test clock and traffic patterns: core's parser ('30 seconds', '1h 30m', ms).
export { parseDuration, type Duration } from '@limitrate/core';
