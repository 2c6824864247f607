// The report contract the CLI shows, re-exported from @limitrate/core (the one definition; never copied here).
export type {
  AnalyticsReport,
  BlockRecord,
  EndpointRow,
  InstanceInfo,
  OutcomeCounts,
  PlanRow,
  ReportFilter,
  ReportQuery,
  ReportRange,
  ReportRow,
  SeriesPoint,
  StoreHealth,
  UserRow,
} from '@limitrate/core';
