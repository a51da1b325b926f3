-- What each submission's approval is bound to besides the definition (the catalog fields,
-- glossary terms, referenced segments and model versions it uses), as JSON, so a refusal can
-- name what changed since. Older submissions have none.
ALTER TABLE submissions ADD COLUMN basis TEXT;
