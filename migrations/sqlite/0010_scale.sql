-- The chosen model itself (JSON: the logistic model or every tree of the forest), so scores can be
-- computed again after a restart (imports, the schedule) without training. NULL for versions
-- stored before it existed: their logistic column still serves when logistic regression was chosen.
ALTER TABLE models ADD COLUMN model TEXT;
