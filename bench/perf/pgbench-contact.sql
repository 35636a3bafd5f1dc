-- Operation "contact": one live contact by a random id, with every membership (oldest first) and
-- each one's type and status name, in one query (a contact without memberships gives one row).
-- bench/perf.sh passes -D min_id=… -D max_id=… (the demo's contact ids are contiguous).
\set id random(:min_id, :max_id)
SELECT c.id, c.display_name, c.email,
       m.id, m.start_date, m.end_date, t.name, s.name
  FROM contacts c
  LEFT JOIN memberships m ON m.contact_id = c.id
  LEFT JOIN membership_types t ON t.id = m.membership_type_id
  LEFT JOIN membership_statuses s ON s.id = m.status_id
 WHERE c.id = :id AND c.deleted_at IS NULL
 ORDER BY m.id;
