-- Operation "page": the first 50 memberships (of live contacts, oldest first) with their contact,
-- type and status, in one query. No count: the GraphQL queries ask for no totalCount.
SELECT m.id, m.start_date, m.end_date,
       c.id, c.display_name, c.email,
       t.id, t.name,
       s.id, s.name
  FROM memberships m
  JOIN contacts c ON c.id = m.contact_id AND c.deleted_at IS NULL
  JOIN membership_types t ON t.id = m.membership_type_id
  JOIN membership_statuses s ON s.id = m.status_id
 ORDER BY m.id
 LIMIT 50;
