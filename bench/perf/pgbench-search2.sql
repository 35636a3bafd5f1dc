-- Operation "search2": as "search", for two words that must both appear (each in the name or email):
-- bench/perf.sh passes -D pattern1=%first% -D pattern2=%second% (lower case), -M prepared.
SELECT count(*)
  FROM contacts
 WHERE deleted_at IS NULL
   AND (lower(display_name) LIKE :pattern1 OR lower(sort_name) LIKE :pattern1 OR lower(email) LIKE :pattern1)
   AND (lower(display_name) LIKE :pattern2 OR lower(sort_name) LIKE :pattern2 OR lower(email) LIKE :pattern2);
SELECT id, display_name, email
  FROM contacts
 WHERE deleted_at IS NULL
   AND (lower(display_name) LIKE :pattern1 OR lower(sort_name) LIKE :pattern1 OR lower(email) LIKE :pattern1)
   AND (lower(display_name) LIKE :pattern2 OR lower(sort_name) LIKE :pattern2 OR lower(email) LIKE :pattern2)
 ORDER BY sort_name, id
 LIMIT 20;
