-- Issue 17: what a destination said of each accepted batch (JSON: entries received and
-- invalid, samples of the problems, the platform job and its status), shown in the run's
-- report. Same text on both databases.
ALTER TABLE sync_batches ADD COLUMN receipt TEXT;
