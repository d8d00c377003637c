-- This device's own writes, in log order: what an export reads (`changelog::own_since_within`,
-- `own_between`, the count of changes to send). Without it, the first export after receiving a
-- team's ten years walked every received row of the log to find the few written here (issue
-- #18). Partial: received rows, most of a team's log, are not in it.
CREATE INDEX change_log_own ON change_log (seq) WHERE received = 0;
