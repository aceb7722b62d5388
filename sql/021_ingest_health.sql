-- 021_ingest_health.sql: what GET /api/ingest and its deliveries list
-- need to know of each delivery (docs/API.md "Ingestion health"), and
-- the indexes that keep them index-driven at a million calls per org.
--
-- A numbered migration holds tables, columns, indexes, roles and data
-- changes, and runs once.  Functions, views, triggers, policies and grants
-- are in sql/functions/, re-applied by every migrate (sql/README.md).

-- A delivery that waited in the spool (the database was away) and was
-- applied by the drain: set by ct_apply_event's 'spool-' modes.  Events
-- kept before were live, or cannot be told apart.
ALTER TABLE call_events ADD COLUMN spooled boolean NOT NULL DEFAULT false;

-- A duplicate delivery is a delivery of its own in the list: an id to
-- name it by, and its integration (the event's), so an integration's
-- figures need no join.
ALTER TABLE call_event_duplicates
    ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN integration_id text;

UPDATE call_event_duplicates d SET integration_id = e.integration_id
  FROM call_events e WHERE e.org_id = d.org_id AND e.id = d.event_id;

ALTER TABLE call_event_duplicates ADD PRIMARY KEY (org_id, id);

-- When the call's final report came: Vapi's end-of-call-report, Retell's
-- call_analyzed (Twilio has none beyond its final status callback).  Set
-- by ct_apply_event_once when such an event applies.
ALTER TABLE calls ADD COLUMN final_report_at timestamptz;

UPDATE calls c SET final_report_at = e.first_at
  FROM (SELECT org_id, call_id, min(received_at) AS first_at FROM call_events
         WHERE call_id IS NOT NULL AND outcome = 'applied'
           AND ((provider = 'vapi' AND event_type = 'end-of-call-report')
                OR (provider = 'retell' AND event_type = 'call_analyzed'))
         GROUP BY org_id, call_id) e
 WHERE c.org_id = e.org_id AND c.id = e.call_id;

-- The calls the provider ended that still wait for their final report,
-- by the end time (the provider's, else the time of the event that ended
-- the call): a few rows per org, however many calls it has.
CREATE INDEX calls_awaiting_final_report ON calls (org_id, (COALESCE(ended_at, last_event_at)))
    WHERE final_report_at IS NULL AND provider IN ('vapi', 'retell')
      AND status NOT IN ('queued', 'ringing', 'in-progress') AND status_source = 'provider';

-- An org's calls the sweeper closed, by their last change.
CREATE INDEX calls_swept_org ON calls (org_id, updated_at) WHERE status_source = 'sweeper';

-- The deliveries list, newest first, and an integration's figures and
-- last delivery.
CREATE INDEX call_events_org_received ON call_events (org_id, received_at, id);

CREATE INDEX call_events_integration ON call_events (org_id, integration_id, received_at, id);

CREATE INDEX call_event_duplicates_org_received ON call_event_duplicates (org_id, received_at, id);

CREATE INDEX call_event_duplicates_integration
    ON call_event_duplicates (org_id, integration_id, received_at, id);

CREATE INDEX rejected_events_integration ON rejected_events (org_id, integration_id, received_at, id);
