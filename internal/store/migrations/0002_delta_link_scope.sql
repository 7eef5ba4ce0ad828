-- 0002: a delta link is only valid for the options it was taken under
-- (domains filter, skipped on-premises groups); scope records them so a
-- change of options forces a full pass instead of a delta round that would
-- leave out-of-scope rows behind.
ALTER TABLE delta_links ADD COLUMN scope TEXT NOT NULL DEFAULT '';
