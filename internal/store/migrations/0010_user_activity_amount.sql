-- 0010: a number beside an activity row, for reports that carry one: the
-- mailbox's storage in bytes on the "mailbox" rows of getMailboxUsageDetail
-- (the F3 downgrade rule needs a mailbox under 2 GB).
ALTER TABLE user_activity ADD COLUMN amount INTEGER;
