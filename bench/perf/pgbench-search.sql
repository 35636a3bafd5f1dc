-- Operation "search": live contacts whose name (display or sort) or email contains the word, the
-- total and the first 20 by sort name — Tessera's filter (lower(column) LIKE '%word%'), as two
-- statements. bench/perf.sh passes -D pattern=%word% (lower case) and runs with -M prepared.
SELECT count(*)
  FROM contacts
 WHERE deleted_at IS NULL
   AND (lower(display_name) LIKE :pattern OR lower(sort_name) LIKE :pattern OR lower(email) LIKE :pattern);
SELECT id, display_name, email
  FROM contacts
 WHERE deleted_at IS NULL
   AND (lower(display_name) LIKE :pattern OR lower(sort_name) LIKE :pattern OR lower(email) LIKE :pattern)
 ORDER BY sort_name, id
 LIMIT 20;
