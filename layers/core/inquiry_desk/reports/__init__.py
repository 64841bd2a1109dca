"""Reports: the numbers supervisors run the service from (R3.1, R3.4, R9).
Owns the metric catalogue (one formula per metric), the counting of timeline events into per-day
counters (exactly once), the daily/weekly/monthly/quarterly reports, drill-down and live monitoring."""
