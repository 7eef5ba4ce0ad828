-- 0005: secondary indexes that only reads use are built after a run commits
-- (DB.ensureIndexes) instead of being maintained row by row during a first
-- full load of 100,000 users and their licences.
DROP INDEX IF EXISTS users_upn;
DROP INDEX IF EXISTS user_licenses_sku;
