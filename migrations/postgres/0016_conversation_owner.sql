-- A conversation belongs to the user who started it (their id); only they read and extend it.
-- NULL: started by a local command, or before conversations had owners (then only the local
-- operator reaches it).
ALTER TABLE conversations ADD COLUMN owner TEXT;
