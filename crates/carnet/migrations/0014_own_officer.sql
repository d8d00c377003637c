-- Which profile is this device's officer (`officer::own`): in a team, colleagues' profiles
-- arrive by sync, and letters, files and the journal must be signed by the one who works on
-- this computer. A notebook in use already: the first profile created here.
INSERT OR IGNORE INTO meta (key, value)
SELECT 'setting.officer_id',
       lower(substr(hex(row_id), 1, 8) || '-' || substr(hex(row_id), 9, 4) || '-' ||
             substr(hex(row_id), 13, 4) || '-' || substr(hex(row_id), 17, 4) || '-' ||
             substr(hex(row_id), 21, 12))
  FROM change_log
 WHERE entity = 'officer' AND received = 0
 ORDER BY seq
 LIMIT 1;
